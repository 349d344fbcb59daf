using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Cuts, with network ACL denies of the instance's own addresses (/32, /128, never broader), the flows AWS always tracks
/// and the security groups therefore cannot cut (<see cref="TrackedPathPlan"/>). Runs right after the network step: the
/// security-group cut waits for none of it. Every entry goes into the record before it is created, numbered ahead of
/// every allow entry of its direction; release removes exactly those. A path it cannot cut (its interfaces share the
/// instance's subnet, no free rule number, an ACL at its quota) is recorded with why, and the step fails once it has
/// done all it can, so that the run says so and exits 1. Off when <see cref="Configuration.IsolationSettings.CutTrackedPaths"/> is false.
/// </summary>
internal sealed class NetworkAclCutStep : IIsolationStep
{
    /// <summary>Rule numbers are 1-32766; 32767 is the default "*" entry (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateNetworkAclEntry.html).</summary>
    private const int DefaultEntryNumber = 32767;

    public string Name => StepNames.NetworkAclCut;

    public async Task ApplyAsync(RunContext context, CancellationToken cancellationToken)
    {
        if (!context.Settings.CutTrackedPaths)
        {
            return;
        }

        // Two rounds of reads, the attachments' (recorded here, for the steps after) beside them: the load balancers
        // matter only to a target, but are read at once rather than a round later.
        var ec2 = context.Apis.Ec2;
        var isTarget = IsTargetOrUnknownAsync(context, cancellationToken);
        var enis = await ec2.DescribeNetworkInterfaceAddressesAsync([.. context.Instance.NetworkInterfaces.Select(eni => eni.NetworkInterfaceId)], cancellationToken);
        var vpcIds = enis.Select(eni => eni.VpcId).Distinct().ToList();
        var routeTables = Task.WhenAll(vpcIds.Select(vpc => ec2.DescribeRouteTablesAsync(vpc, cancellationToken)));
        var resources = Task.WhenAll(vpcIds.Select(vpc => ec2.DescribeTrackedPathResourcesAsync(vpc, cancellationToken)));
        var acls = ec2.DescribeNetworkAclsAsync(vpcIds, cancellationToken);
        var targetOrUnknown = await isTarget;
        var plan = TrackedPathPlan.Build(
            enis,
            [.. (await routeTables).SelectMany(t => t)],
            [.. (await resources).SelectMany(r => r).Where(r => targetOrUnknown || r.Kind != TrackedPathKind.NetworkLoadBalancer)],
            await acls);

        var open = new List<OpenPath>(plan.Open);
        var created = await new AclWriter(context).WriteAsync(plan.Denies, open, cancellationToken);
        context.Record.Artifacts.OpenPaths = open;
        await context.SaveAsync(cancellationToken);
        if (created > 0)
        {
            TrackedPathLog.DeniesAdded(context.Logger, created, context.InstanceId);
            if (context.Settings.ForensicIngress.Count > 0)
            {
                TrackedPathLog.ForensicAccessThroughCutPaths(context.Logger, context.InstanceId);
            }
        }

        if (open.Count > 0)
        {
            throw new InvalidOperationException(
                $"{open.Count} always-tracked path(s) of {context.InstanceId} are left open: {string.Join("; ", open)}. "
                + "The security groups still block every new flow; a live tracked flow on these paths survives until it ends. "
                + "Free a rule number ahead of the ACL's allow entries (or raise its quota) and run isolate again, or stop the instance after memory capture.");
        }
    }

    /// <summary>
    /// Whether the instance is a load balancer target; when its registrations could not be read (the target step fails
    /// on that and says so), the Network Load Balancers' paths are cut too: denying the instance's own addresses there
    /// costs nothing, leaving a path open could.
    /// </summary>
    private static async Task<bool> IsTargetOrUnknownAsync(RunContext context, CancellationToken cancellationToken)
    {
        try
        {
            return (await context.RecordedAttachmentsAsync(AttachmentParts.TargetRegistrations, cancellationToken)).TargetRegistrations.Count > 0;
        }
        catch (InvalidOperationException) when (context.Record.Original.Attachments?.Unread.Contains(AttachmentParts.TargetRegistrations) == true)
        {
            return true;
        }
    }

    /// <summary>Removes exactly the recorded entries, from the record alone: it works as well when the instance is gone.</summary>
    public Task RestoreAsync(RunContext context, CancellationToken cancellationToken) =>
        NetworkAclDenies.RemoveAsync(context.Apis.Ec2, context.Record, cancellationToken);

    /// <summary>Numbers, records and creates the wanted denies; returns how many it created.</summary>
    private sealed class AclWriter(RunContext context)
    {
        private readonly List<NetworkAclDeny> _recorded = context.Record.Artifacts.NetworkAclDenies;
        private readonly Dictionary<(string Acl, bool Egress), FreeNumbers> _numbers = [];

        public async Task<int> WriteAsync(IReadOnlyList<TrackedPathPlan.WantedDeny> wanted, List<OpenPath> open, CancellationToken cancellationToken)
        {
            var toCreate = new List<NetworkAclDeny>();
            foreach (var group in wanted.GroupBy(deny => (deny.Acl.NetworkAclId, deny.Egress)))
            {
                var acl = group.First().Acl;
                var numbers = new FreeNumbers(acl, group.Key.Egress);
                foreach (var deny in group)
                {
                    var mine = _recorded.FindAll(r => r.NetworkAclId == acl.NetworkAclId && r.Egress == deny.Egress && r.Cidr == deny.Cidr);
                    if (mine.Exists(r => r.IsIn(acl) && r.RuleNumber < numbers.FirstAllow))
                    {
                        continue;
                    }

                    // One removed by someone else leaves the record; one an allow entry added since now follows stays
                    // recorded (release removes it). Either way a new one goes ahead of the allows.
                    _recorded.RemoveAll(r => mine.Contains(r) && !r.IsIn(acl));

                    if (numbers.Next() is not { } number)
                    {
                        open.Add(NoFreeNumber(acl, deny.Egress, deny.Cidr, deny.Paths, numbers.FirstAllow));
                        continue;
                    }

                    toCreate.Add(new NetworkAclDeny
                    {
                        NetworkAclId = acl.NetworkAclId,
                        VpcId = acl.VpcId,
                        RuleNumber = number,
                        Egress = deny.Egress,
                        Cidr = deny.Cidr,
                        Paths = deny.Paths,
                    });
                }

                _numbers[group.Key] = numbers;
            }

            if (toCreate.Count == 0)
            {
                return 0;
            }

            // Recorded before it exists: a run that dies after the call leaves no entry that release would not remove.
            _recorded.AddRange(toCreate);
            await context.SaveAsync(cancellationToken);
            var outcomes = await Task.WhenAll(toCreate.Select(entry => TryCreateAsync(entry, cancellationToken)));
            var created = outcomes.Count(outcome => outcome is null);
            foreach (var (entry, failure) in toCreate.Zip(outcomes).Where(pair => pair.Second is not null))
            {
                if (failure is NetworkAclEntryExistsException)
                {
                    // Another writer took the number since the ACL was read: the next free one, recorded first again.
                    created += await RenumberAsync(entry, open, cancellationToken);
                }
                else
                {
                    _recorded.Remove(entry);
                    open.Add(new OpenPath(entry.Paths, $"{entry.NetworkAclId} holds as many {Direction(entry.Egress)} entries as its quota allows "
                        + $"(20 per direction by default, up to 40): the deny of {entry.Cidr} could not be added"));
                }
            }

            return created;
        }

        private async Task<int> RenumberAsync(NetworkAclDeny taken, List<OpenPath> open, CancellationToken cancellationToken)
        {
            var numbers = _numbers[(taken.NetworkAclId, taken.Egress)];
            var entry = taken;
            while (true)
            {
                _recorded.Remove(entry);
                if (numbers.Next() is not { } number)
                {
                    await context.SaveAsync(cancellationToken);
                    open.Add(NoFreeNumber(taken.NetworkAclId, taken.Egress, taken.Cidr, taken.Paths, numbers.FirstAllow));
                    return 0;
                }

                entry = entry with { RuleNumber = number };
                _recorded.Add(entry);
                await context.SaveAsync(cancellationToken);
                switch (await TryCreateAsync(entry, cancellationToken))
                {
                    case null:
                        return 1;
                    case NetworkAclFullException:
                        _recorded.Remove(entry);
                        open.Add(new OpenPath(entry.Paths, $"{entry.NetworkAclId} holds as many {Direction(entry.Egress)} entries as its quota allows"));
                        return 0;
                }
            }
        }

        /// <returns>Null once created; the refusal when the number is taken or the ACL is full. Any other failure fails the step.</returns>
        private async Task<Exception?> TryCreateAsync(NetworkAclDeny entry, CancellationToken cancellationToken)
        {
            try
            {
                await context.Apis.Ec2.CreateNetworkAclDenyAsync(entry, cancellationToken);
                return null;
            }
            catch (Exception e) when (e is NetworkAclEntryExistsException or NetworkAclFullException)
            {
                return e;
            }
        }

        private static OpenPath NoFreeNumber(NetworkAclInfo acl, bool egress, string cidr, string paths, int firstAllow) =>
            NoFreeNumber(acl.NetworkAclId, egress, cidr, paths, firstAllow);

        private static OpenPath NoFreeNumber(string acl, bool egress, string cidr, string paths, int firstAllow) =>
            new(paths, $"{acl} has no free {Direction(egress)} rule number ahead of its first allow entry ({firstAllow}): the deny of {cidr} could not be added");
    }

    /// <summary>The free rule numbers of one direction ahead of its first allow entry, highest first (the low ones stay for the network team).</summary>
    private sealed class FreeNumbers(NetworkAclInfo acl, bool egress)
    {
        private readonly HashSet<int> _used = [.. acl.Entries.Where(e => e.Egress == egress).Select(e => e.RuleNumber)];
        private int _next = -1;

        public int FirstAllow { get; } = acl.Entries.Where(e => e.Egress == egress && e.Allow).Select(e => e.RuleNumber).DefaultIfEmpty(DefaultEntryNumber).Min();

        public int? Next()
        {
            for (_next = _next < 0 ? FirstAllow - 1 : _next - 1; _next >= 1; _next--)
            {
                if (_used.Add(_next))
                {
                    return _next;
                }
            }

            return null;
        }
    }

    private static string Direction(bool egress) => egress ? "egress" : "ingress";
}
