using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// The two groups of a VPC, created on demand and reused: the all-traffic group (everything in and out, IPv4 and IPv6)
/// and the quarantine group (no egress, no ingress but the configured forensic access). EC2 refuses a second group of
/// the same name in a VPC, so two runs racing in a new VPC end with one group each; both then reconcile the rules.
/// Each group's rules are set with at most one call per direction, all at once, so that a new VPC costs one round of
/// creation and one of rules before the first ENI moves.
/// </summary>
internal sealed class QuarantineGroups(RunContext context)
{
    private const string AnyIpv4 = "0.0.0.0/0";
    private const string AnyIpv6 = "::/0";

    private static readonly SecurityGroupRule[] Everything = [SecurityGroupRule.AllTraffic(AnyIpv4), SecurityGroupRule.AllTraffic(AnyIpv6)];
    private static readonly SecurityGroupRule[] EverythingIpv4 = [SecurityGroupRule.AllTraffic(AnyIpv4)];

    /// <returns>The ids of the all-traffic and the quarantine group.</returns>
    public async Task<(string AllTraffic, string Quarantine)> EnsureAsync(CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        // Egress to ::/0 matters only to an instance with an IPv6 address; its VPC then has an IPv6 block, in which EC2
        // gives every new group that rule itself.
        var allTraffic = EnsureAsync(settings.AllTrafficGroupName, "all-traffic",
            "Ec2Isolation: all traffic, so that tracked connections become untracked before quarantine",
            ingress: Everything, egress: context.Instance.UsesIpv6 ? Everything : EverythingIpv4, exact: false, cancellationToken);
        var quarantine = EnsureAsync(settings.QuarantineGroupName, "quarantine",
            "Ec2Isolation: quarantine, no egress and no ingress but forensic access",
            ingress: settings.ForensicIngress, egress: [], exact: true, cancellationToken);
        return (await allTraffic, await quarantine);
    }

    private async Task<string> EnsureAsync(
        string name, string role, string description, IReadOnlyList<SecurityGroupRule> ingress, IReadOnlyList<SecurityGroupRule> egress,
        bool exact, CancellationToken cancellationToken)
    {
        var found = (await context.IsolationGroups).FirstOrDefault(g => g.GroupName == name);
        var group = found ?? await CreateAsync(context.Record.VpcId, name, role, description, cancellationToken);
        await Task.WhenAll(
            ReconcileAsync(group, RuleDirection.Ingress, ingress, exact, found is not null, cancellationToken),
            ReconcileAsync(group, RuleDirection.Egress, egress, exact, found is not null, cancellationToken));
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
            // A new group allows all egress to 0.0.0.0/0, and to ::/0 in a VPC with an IPv6 block: both count as present.
            // Revoking a rule that is not there is no error, so the quarantine group's one revoke removes whichever exist.
            return new SecurityGroupInfo { GroupId = groupId, GroupName = name, VpcId = vpcId, Egress = Everything };
        }
        catch (SecurityGroupExistsException)
        {
            Log.GroupCreatedConcurrently(context.Logger, name, vpcId);
            var found = await ec2.FindSecurityGroupsAsync(vpcId, [name], cancellationToken);
            return found.Count > 0
                ? found[0]
                : throw new InvalidOperationException($"Security group {name} exists in {vpcId} but cannot be read");
        }
    }

    private async Task ReconcileAsync(
        SecurityGroupInfo group, RuleDirection direction, IReadOnlyList<SecurityGroupRule> desired, bool exact, bool existed, CancellationToken cancellationToken)
    {
        var ec2 = context.Apis.Ec2;
        var actual = direction == RuleDirection.Ingress ? group.Ingress : group.Egress;
        var missing = desired.Except(actual).ToList();
        var extra = exact ? actual.Except(desired).ToList() : [];
        if (extra.Count > 0)
        {
            await ec2.RevokeAsync(group.GroupId, direction, extra, cancellationToken);
            if (existed)
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
