using System.Collections.Concurrent;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Retries;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Moves every ENI to the all-traffic group of its own VPC, so that tracked connections become untracked, then to that
/// VPC's quarantine group, which cuts them; then reads the ENIs back and fails unless only the quarantine group is attached.
/// Each ENI goes through both moves on its own (all ENIs at once), so none waits in the all-traffic group for another;
/// one whose move into quarantine fails is put back to the groups it had, never left open both ways. Branch ENIs behind
/// a trunk ENI (EKS security groups for pods, ECS ENI trunking), which DescribeInstances does not list, are searched
/// beside the containment of the instance's own ENIs, recorded, then contained the same way; what the search could
/// not cover is recorded (<see cref="IsolationArtifacts.NetworkGaps"/>) and logged, never passed over in silence.
/// </summary>
internal sealed class NetworkStep : IIsolationStep
{
    public string Name => StepNames.Network;

    public async Task ApplyAsync(RunContext context, CancellationToken cancellationToken)
    {
        var attached = context.Instance.NetworkInterfaces;
        await RecordUnknownInterfacesAsync(context, attached, cancellationToken);
        var quarantineGroups = new QuarantineGroups(context);
        var ensured = new ConcurrentDictionary<string, Lazy<Task<VpcIsolationGroups>>>();
        Task<VpcIsolationGroups> GroupsOf(NetworkInterfaceGroups eni) =>
            ensured.GetOrAdd(eni.VpcOr(context.Record.VpcId), vpcId => new(() => quarantineGroups.EnsureAsync(vpcId, cancellationToken))).Value;

        var gaps = new List<string>();
        try
        {
            await Task.WhenAll(
                ContainAsync(context, attached, GroupsOf, cancellationToken),
                ContainBranchesAsync(context, GroupsOf, gaps, cancellationToken));
        }
        finally
        {
            // Once both are done (the branches' record write no longer runs): the groups made ready, even by a failed run.
            foreach (var groups in ensured.Values.Select(lazy => lazy.Value).Where(task => task.IsCompletedSuccessfully))
            {
                context.Record.RecordIsolationGroups(groups.Result);
            }
        }

        context.Record.Artifacts.NetworkGaps = gaps;
        if (gaps.Count > 0)
        {
            Log.NetworkGaps(context.Logger, context.InstanceId, string.Join("; ", gaps));
        }
    }

    /// <summary>Contains <paramref name="interfaces"/> (already recorded), then reads them back.</summary>
    private static async Task ContainAsync(
        RunContext context, IReadOnlyList<NetworkInterfaceGroups> interfaces, Func<NetworkInterfaceGroups, Task<VpcIsolationGroups>> groupsOf,
        CancellationToken cancellationToken)
    {
        if (interfaces.Count == 0)
        {
            return;
        }

        // Each ENI moves as soon as its own VPC's groups are ready: one in the instance's VPC never waits for the groups
        // of another VPC to be created. An ENI a failed run already quarantined has been through the all-traffic group;
        // moving it again gains nothing.
        var quarantineOf = new ConcurrentDictionary<string, string>();
        await Task.WhenAll(interfaces.Select(async eni =>
        {
            var groups = await groupsOf(eni);
            quarantineOf[eni.NetworkInterfaceId] = groups.QuarantineGroupId;
            if (!IsQuarantinedOnly(eni, groups.QuarantineGroupId))
            {
                await ContainAsync(context, eni, groups, cancellationToken);
            }
        }));
        await VerifyAsync(context, new Dictionary<string, string>(quarantineOf), cancellationToken);
    }

    /// <summary>
    /// Reads the ENIs back; fails unless each is in its quarantine group alone. A read may trail the change it follows
    /// (EC2's eventual consistency, https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html): it is
    /// read again, with backoff, before the step fails.
    /// </summary>
    private static async Task VerifyAsync(RunContext context, Dictionary<string, string> quarantineOf, CancellationToken cancellationToken)
    {
        var ids = quarantineOf.Keys.ToList();
        List<string> Problems(IReadOnlyList<NetworkInterfaceGroups> after) =>
        [
            .. after.Where(eni => !IsQuarantinedOnly(eni, quarantineOf[eni.NetworkInterfaceId]))
                .Select(eni => $"{eni.NetworkInterfaceId} has [{string.Join(", ", eni.GroupIds)}], expected only {quarantineOf[eni.NetworkInterfaceId]}"),
            .. ids.Except(after.Select(eni => eni.NetworkInterfaceId)).Select(eni => $"{eni} could not be read back"),
        ];
        var after = await Retry.WhileAsync(
            token => context.Apis.Ec2.DescribeNetworkInterfaceGroupsAsync(ids, token), read => Problems(read).Count > 0, static _ => false,
            Backoff.EventualConsistency, context.Time, cancellationToken);
        var problems = Problems(after);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Network isolation did not hold: " + string.Join("; ", problems));
        }
    }

    private static async Task ContainAsync(RunContext context, NetworkInterfaceGroups eni, VpcIsolationGroups groups, CancellationToken cancellationToken)
    {
        var ec2 = context.Apis.Ec2;
        // Either group may have been created a moment ago, and be unknown to EC2's next call for a while.
        Task MoveAsync(string groupId) => QuarantineGroups.RetryWhileGroupUnknownAsync(
            context, token => ec2.SetNetworkInterfaceGroupsAsync(eni.NetworkInterfaceId, [groupId], token), cancellationToken);

        await MoveAsync(groups.AllTrafficGroupId);
        try
        {
            await MoveAsync(groups.QuarantineGroupId);
        }
        catch (Exception quarantineFailure)
        {
            // The all-traffic group is the most open there is: fall back to the ENI's own groups (even when the run was
            // cancelled), then fail the step so that the rerun contains it.
            try
            {
                await ec2.SetNetworkInterfaceGroupsAsync(eni.NetworkInterfaceId, eni.GroupIds, CancellationToken.None);
            }
            catch (Exception revertFailure)
            {
                throw new InvalidOperationException(
                    $"{eni.NetworkInterfaceId} could not be moved into quarantine ({quarantineFailure.Message}) nor back to its own groups "
                    + $"({revertFailure.Message}): it is in the all-traffic group. Run isolate again now.",
                    quarantineFailure);
            }

            throw;
        }
    }

    /// <summary>
    /// Finds the branch ENIs behind the instance's trunk ENIs, records them, and contains them. An instance without a
    /// trunk ENI (almost all) makes no call here.
    /// </summary>
    private static async Task ContainBranchesAsync(
        RunContext context, Func<NetworkInterfaceGroups, Task<VpcIsolationGroups>> groupsOf, List<string> gaps, CancellationToken cancellationToken)
    {
        var trunks = context.Instance.NetworkInterfaces.Where(eni => eni.IsTrunk).Select(eni => eni.NetworkInterfaceId).ToList();
        if (trunks.Count == 0)
        {
            return;
        }

        var branches = await context.Apis.Ec2.FindBranchInterfacesAsync(trunks, cancellationToken);
        gaps.AddRange(branches.Gaps);
        if (branches.Found.Count > 0)
        {
            Log.BranchInterfacesFound(context.Logger, context.InstanceId, string.Join(", ", branches.Found.Select(eni => eni.NetworkInterfaceId)));
        }

        await RecordUnknownInterfacesAsync(context, branches.Found, cancellationToken);
        await ContainAsync(context, branches.Found, groupsOf, cancellationToken);
    }

    public Task RestoreAsync(RunContext context, CancellationToken cancellationToken) =>
        Task.WhenAll(context.Record.Original.NetworkInterfaces.Select(eni =>
            new NetworkRestore(context).RestoreAsync(eni, GroupsToRestore(context, eni), cancellationToken)));

    /// <summary>
    /// The ENI's original groups; for an ENI found in isolation groups without a record (its original groups unknown),
    /// the groups the analyst named instead.
    /// </summary>
    private static IReadOnlyList<string> GroupsToRestore(RunContext context, NetworkInterfaceGroups eni)
    {
        var artifacts = context.Record.Artifacts;
        var unknown = context.Record.Original.NetworkUnknown
            && (artifacts.QuarantineGroupId is null || eni.GroupIds.Any(g => g == artifacts.QuarantineGroupId || g == artifacts.AllTrafficGroupId));
        return unknown ? context.RestoreGroups ?? throw new InvalidOperationException("The groups to restore were not given.") : eni.GroupIds;
    }

    /// <summary>
    /// An ENI attached after the record was written (between a failed run and its rerun), or a branch ENI (never in the
    /// record's first write), is quarantined too; its groups go into the record first, so that release can restore it.
    /// </summary>
    private static async Task RecordUnknownInterfacesAsync(RunContext context, IReadOnlyList<NetworkInterfaceGroups> interfaces, CancellationToken cancellationToken)
    {
        var original = context.Record.Original.NetworkInterfaces;
        var unknown = interfaces
            .Where(eni => original.TrueForAll(known => known.NetworkInterfaceId != eni.NetworkInterfaceId))
            .ToList();
        if (unknown.Count > 0)
        {
            original.AddRange(unknown);
            await context.SaveAsync(cancellationToken);
        }
    }

    private static bool IsQuarantinedOnly(NetworkInterfaceGroups eni, string quarantineGroupId) =>
        eni.GroupIds.Count == 1 && eni.GroupIds[0] == quarantineGroupId;
}
