using System.Collections.Concurrent;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// The two groups of a VPC, created on demand and reused: the all-traffic group (everything in and out, IPv4 and IPv6)
/// and the quarantine group (no egress, no ingress but the configured forensic access). EC2 refuses a second group of
/// the same name in a VPC, so two runs racing in a new VPC end with one group each; both then reconcile the rules.
/// </summary>
internal sealed class QuarantineGroups(RunContext context)
{
    private const string AnyIpv4 = "0.0.0.0/0";
    private const string AnyIpv6 = "::/0";

    private static readonly SecurityGroupRule[] Everything = [SecurityGroupRule.AllTraffic(AnyIpv4), SecurityGroupRule.AllTraffic(AnyIpv6)];

    private readonly ConcurrentBag<string> _created = [];

    /// <returns>The ids of the all-traffic and the quarantine group.</returns>
    public async Task<(string AllTraffic, string Quarantine)> EnsureAsync(CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var allTraffic = EnsureAsync(settings.AllTrafficGroupName, "all-traffic",
            "Ec2Isolation: all traffic, so that tracked connections become untracked before quarantine",
            ingress: Everything, egress: Everything, exact: false, cancellationToken);
        var quarantine = EnsureAsync(settings.QuarantineGroupName, "quarantine",
            "Ec2Isolation: quarantine, no egress and no ingress but forensic access",
            ingress: settings.ForensicIngress, egress: [], exact: true, cancellationToken);
        return (await allTraffic, await quarantine);
    }

    private async Task<string> EnsureAsync(
        string name, string role, string description, IReadOnlyList<SecurityGroupRule> ingress, IReadOnlyList<SecurityGroupRule> egress,
        bool exact, CancellationToken cancellationToken)
    {
        var vpcId = context.Record.VpcId;
        var group = context.KnownGroups.FirstOrDefault(g => g.VpcId == vpcId && g.GroupName == name)
            ?? await CreateAsync(vpcId, name, role, description, cancellationToken);
        await Task.WhenAll(
            ReconcileAsync(group, RuleDirection.Ingress, ingress, exact, cancellationToken),
            ReconcileAsync(group, RuleDirection.Egress, egress, exact, cancellationToken));
        return group.GroupId;
    }

    private async Task<SecurityGroupInfo> CreateAsync(string vpcId, string name, string role, string description, CancellationToken cancellationToken)
    {
        var ec2 = context.Apis.Ec2;
        var tags = new Dictionary<string, string> { ["Name"] = name, [context.StatusTag("role")] = role };
        try
        {
            var groupId = await ec2.CreateSecurityGroupAsync(vpcId, name, description, tags, cancellationToken);
            Log.GroupCreated(context.Logger, groupId, name, vpcId);
            // A new group allows all egress to 0.0.0.0/0, and to ::/0 only in a VPC with IPv6: which one is not known
            // without another round trip, so both count as present to revoke and as absent to authorize.
            _created.Add(groupId);
            return new SecurityGroupInfo { GroupId = groupId, GroupName = name, VpcId = vpcId, Egress = Everything };
        }
        catch (SecurityGroupExistsException)
        {
            Log.GroupCreatedConcurrently(context.Logger, name, vpcId);
            var found = await ec2.FindSecurityGroupsAsync([name], cancellationToken);
            return found.FirstOrDefault(g => g.VpcId == vpcId)
                ?? throw new InvalidOperationException($"Security group {name} exists in {vpcId} but cannot be read");
        }
    }

    private async Task ReconcileAsync(
        SecurityGroupInfo group, RuleDirection direction, IReadOnlyList<SecurityGroupRule> desired, bool exact, CancellationToken cancellationToken)
    {
        var ec2 = context.Apis.Ec2;
        var actual = direction == RuleDirection.Ingress ? group.Ingress : group.Egress;
        var missing = _created.Contains(group.GroupId) ? desired.ToList() : desired.Except(actual).ToList();
        var extra = exact ? actual.Except(desired).ToList() : [];
        if (extra.Count > 0)
        {
            await ec2.RevokeAsync(group.GroupId, direction, extra, cancellationToken);
            if (context.KnownGroups.Contains(group))
            {
                Log.GroupCorrected(context.Logger, group.GroupId, string.Join(", ", extra));
            }
        }

        if (missing.Count > 0)
        {
            await ec2.AuthorizeAsync(group.GroupId, direction, missing, cancellationToken);
        }
    }
}
