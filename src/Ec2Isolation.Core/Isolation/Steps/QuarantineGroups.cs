using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Retries;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// The two groups of a VPC, created on demand and reused: the all-traffic group (everything in and out, IPv4 and IPv6)
/// and the quarantine group (no egress, no ingress but the configured forensic access). EC2 refuses a second group of
/// the same name in a VPC, so two runs racing in a new VPC end with one group each; both then reconcile the rules.
/// Each group's rules are set with at most one call per direction, all at once, so that a new VPC costs one round of
/// creation and one of rules before the first ENI moves. A group belongs to one VPC, and EC2 refuses it on an ENI of
/// another (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/scenarios-enis.html), so an instance with ENIs from
/// several VPCs gets the groups of each. A group created a moment ago may be unknown to the next call for a while
/// (EC2's eventual consistency): those calls are retried.
/// </summary>
internal sealed class QuarantineGroups(RunContext context)
{
    private const string AnyIpv4 = "0.0.0.0/0";
    private const string AnyIpv6 = "::/0";

    private static readonly SecurityGroupRule[] Everything = [SecurityGroupRule.AllTraffic(AnyIpv4), SecurityGroupRule.AllTraffic(AnyIpv6)];
    private static readonly SecurityGroupRule[] EverythingIpv4 = [SecurityGroupRule.AllTraffic(AnyIpv4)];

    /// <summary>
    /// The rules a group of ours must hold, by its name (null for a group not ours): the quarantine group exactly its forensic
    /// ingress and no egress; the all-traffic group at least everything in and everything out to IPv4 (what it gives an
    /// instance without IPv6; more is no harm in a group that allows all).
    /// </summary>
    public static IsolationGroupRules? RulesOf(string groupName, IsolationSettings settings) =>
        groupName == settings.QuarantineGroupName ? new(settings.ForensicIngress, [], Exact: true)
        : groupName == settings.AllTrafficGroupName ? new(Everything, EverythingIpv4, Exact: false)
        : null;

    /// <summary>The groups of <paramref name="vpcId"/>, found (for the instance's VPC, by the look-up beside the record's claim) or created.</summary>
    public async Task<VpcIsolationGroups> EnsureAsync(string vpcId, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var existing = vpcId == context.Instance.VpcId
            ? context.IsolationGroups
            : context.Apis.Ec2.FindSecurityGroupsAsync(vpcId, [settings.AllTrafficGroupName, settings.QuarantineGroupName], cancellationToken);
        // Egress to ::/0 matters only to an instance with an IPv6 address. EC2 may or may not give a new group that rule
        // in a VPC with an IPv6 block (public sources disagree), so it is never assumed: the all-traffic group is given it.
        var allTraffic = EnsureAsync(vpcId, existing, settings.AllTrafficGroupName, "all-traffic",
            "Ec2Isolation: all traffic, so that tracked connections become untracked before quarantine",
            ingress: Everything, egress: context.Instance.UsesIpv6 ? Everything : EverythingIpv4, exact: false, cancellationToken);
        var closed = RulesOf(settings.QuarantineGroupName, settings)!;
        var quarantine = EnsureAsync(vpcId, existing, settings.QuarantineGroupName, "quarantine",
            "Ec2Isolation: quarantine, no egress and no ingress but forensic access",
            ingress: closed.Ingress, egress: closed.Egress, exact: closed.Exact, cancellationToken);
        return new VpcIsolationGroups(vpcId, await allTraffic, await quarantine);
    }

    private async Task<string> EnsureAsync(
        string vpcId, Task<IReadOnlyList<SecurityGroupInfo>> existing, string name, string role, string description,
        IReadOnlyList<SecurityGroupRule> ingress, IReadOnlyList<SecurityGroupRule> egress, bool exact, CancellationToken cancellationToken)
    {
        var found = (await existing).FirstOrDefault(g => g.GroupName == name);
        var (group, created) = found is not null ? (found, false) : await CreateAsync(vpcId, name, role, description, cancellationToken);
        await Task.WhenAll(
            ReconcileAsync(group, RuleDirection.Ingress, ingress, exact, created, cancellationToken),
            ReconcileAsync(group, RuleDirection.Egress, egress, exact, created, cancellationToken));
        return group.GroupId;
    }

    /// <returns>The group, and whether this run created it (its rules are then EC2's defaults, not read).</returns>
    private async Task<(SecurityGroupInfo Group, bool Created)> CreateAsync(
        string vpcId, string name, string role, string description, CancellationToken cancellationToken)
    {
        var ec2 = context.Apis.Ec2;
        var tags = new Dictionary<string, string> { ["Name"] = name, [context.StatusTag("role")] = role };
        try
        {
            var groupId = await ec2.CreateSecurityGroupAsync(vpcId, name, description, tags, cancellationToken);
            Log.GroupCreated(context.Logger, groupId, name, vpcId);
            return (new SecurityGroupInfo { GroupId = groupId, GroupName = name, VpcId = vpcId }, true);
        }
        catch (SecurityGroupExistsException)
        {
            Log.GroupCreatedConcurrently(context.Logger, name, vpcId);
            // The other run's group may not show in a read yet (eventual consistency): read again while it does not.
            var found = await Retry.WhileAsync(
                token => ec2.FindSecurityGroupsAsync(vpcId, [name], token), static groups => groups.Count == 0, static _ => false,
                Backoff.EventualConsistency, context.Time, cancellationToken);
            return found.Count > 0
                ? (found[0], false)
                : throw new InvalidOperationException($"Security group {name} exists in {vpcId} but cannot be read");
        }
    }

    private async Task ReconcileAsync(
        SecurityGroupInfo group, RuleDirection direction, IReadOnlyList<SecurityGroupRule> desired, bool exact, bool created, CancellationToken cancellationToken)
    {
        var ec2 = context.Apis.Ec2;
        // A new group allows all egress to 0.0.0.0/0 and perhaps to ::/0: the first counts as present, so that the
        // all-traffic group needs no call for it; both count as possibly present, so that the quarantine group's one
        // revoke removes whichever exist (revoking a rule that is not there is no error). Authorizing ::/0 where EC2 did
        // put it answers InvalidPermission.Duplicate, which is no error either.
        var actual = direction == RuleDirection.Ingress ? group.Ingress : group.Egress;
        IReadOnlyList<SecurityGroupRule> present = created && direction == RuleDirection.Egress ? EverythingIpv4 : actual;
        IReadOnlyList<SecurityGroupRule> possiblyPresent = created && direction == RuleDirection.Egress ? Everything : actual;
        var missing = desired.Except(present).ToList();
        var extra = exact ? possiblyPresent.Except(desired).ToList() : [];
        if (extra.Count > 0)
        {
            await RetryWhileGroupUnknownAsync(token => ec2.RevokeAsync(group.GroupId, direction, extra, token), cancellationToken);
            if (!created)
            {
                Log.GroupCorrected(context.Logger, group.GroupId, string.Join(", ", extra));
            }
        }

        if (missing.Count > 0)
        {
            await RetryWhileGroupUnknownAsync(token => ec2.AuthorizeAsync(group.GroupId, direction, missing, token), cancellationToken);
        }
    }

    private Task RetryWhileGroupUnknownAsync(Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        RetryWhileGroupUnknownAsync(context, call, cancellationToken);

    /// <summary>
    /// Retries <paramref name="call"/> while EC2 answers that a group does not exist: right after CreateSecurityGroup it
    /// may (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html).
    /// </summary>
    public static Task RetryWhileGroupUnknownAsync(RunContext context, Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        Retry.OnErrorAsync(call, static e => e is SecurityGroupNotFoundException, Backoff.EventualConsistency, context.Time, cancellationToken);
}

/// <summary>The rules an isolation group must hold; <paramref name="Exact"/>: and no others.</summary>
internal sealed record IsolationGroupRules(IReadOnlyList<SecurityGroupRule> Ingress, IReadOnlyList<SecurityGroupRule> Egress, bool Exact)
{
    public IReadOnlyList<SecurityGroupRule> Of(RuleDirection direction) => direction == RuleDirection.Ingress ? Ingress : Egress;
}
