using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Moves every ENI to the VPC's all-traffic group, so that tracked connections become untracked, then to the
/// quarantine group, which cuts them; then reads the ENIs back and fails unless only the quarantine group is attached.
/// Each ENI goes through both moves on its own (all ENIs at once), so none waits in the all-traffic group for another;
/// one whose move into quarantine fails is put back to the groups it had, never left open both ways.
/// </summary>
internal sealed class NetworkStep : IIsolationStep
{
    public string Name => StepNames.Network;

    public async Task ApplyAsync(RunContext context, CancellationToken cancellationToken)
    {
        var ec2 = context.Apis.Ec2;
        await RecordUnknownInterfacesAsync(context, cancellationToken);
        var (allTraffic, quarantine) = await new QuarantineGroups(context).EnsureAsync(cancellationToken);
        context.Record.Artifacts.AllTrafficGroupId = allTraffic;
        context.Record.Artifacts.QuarantineGroupId = quarantine;

        // An ENI a failed run already quarantined has been through the all-traffic group; moving it again gains nothing.
        var current = context.Instance.NetworkInterfaces;
        await Task.WhenAll(current.Where(eni => !IsQuarantinedOnly(eni, quarantine))
            .Select(eni => ContainAsync(context, eni, allTraffic, quarantine, cancellationToken)));

        var ids = current.Select(eni => eni.NetworkInterfaceId).ToList();
        var after = await ec2.DescribeNetworkInterfaceGroupsAsync(ids, cancellationToken);
        var problems = after.Where(eni => !IsQuarantinedOnly(eni, quarantine))
            .Select(eni => $"{eni.NetworkInterfaceId} has [{string.Join(", ", eni.GroupIds)}], expected only {quarantine}")
            .Concat(ids.Except(after.Select(eni => eni.NetworkInterfaceId)).Select(eni => $"{eni} could not be read back"))
            .ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Network isolation did not hold: " + string.Join("; ", problems));
        }
    }

    private static async Task ContainAsync(
        RunContext context, NetworkInterfaceGroups eni, string allTraffic, string quarantine, CancellationToken cancellationToken)
    {
        var ec2 = context.Apis.Ec2;
        await ec2.SetNetworkInterfaceGroupsAsync(eni.NetworkInterfaceId, [allTraffic], cancellationToken);
        try
        {
            await ec2.SetNetworkInterfaceGroupsAsync(eni.NetworkInterfaceId, [quarantine], cancellationToken);
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

    public Task RestoreAsync(RunContext context, CancellationToken cancellationToken) =>
        Task.WhenAll(context.Record.Original.NetworkInterfaces.Select(eni =>
            new NetworkRestore(context).RestoreAsync(eni.NetworkInterfaceId, GroupsToRestore(context, eni), cancellationToken)));

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
    /// An ENI attached after the record was written (between a failed run and its rerun) is quarantined too;
    /// its groups go into the record first, so that release can restore it.
    /// </summary>
    private static async Task RecordUnknownInterfacesAsync(RunContext context, CancellationToken cancellationToken)
    {
        var original = context.Record.Original.NetworkInterfaces;
        var unknown = context.Instance.NetworkInterfaces
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
