using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Events;

/// <summary>
/// Rule changes to an isolation group of ours (a rule added to the quarantine group opens every isolated instance of its
/// VPC at once): the group is told ours by its name, read by the id the call names (requestParameters.groupId, as
/// CloudTrail records AuthorizeSecurityGroupIngress), and given back the rules it must hold: rules beyond the quarantine
/// group's are revoked, rules missing from either group authorized again. A call EC2 refused changed nothing.
/// </summary>
public sealed partial class IsolationEventProcessor
{
    private static readonly HashSet<string> GroupRuleCalls = new(StringComparer.Ordinal)
    {
        "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress", "ModifySecurityGroupRules",
    };

    private async Task<EventResult> OnGroupRuleCallAsync(
        AccountServices services, IsolationEvent.ApiCall call, TamperingCall tampering, CancellationToken cancellationToken)
    {
        var kind = call.Kind;
        if (call.ErrorCode is not null)
        {
            LogIgnored(logger, kind, "a security group rule change EC2 refused");
            return Ignored(call, kind, null, $"{call.EventName} by {call.Caller} was {tampering.Verdict}: it changed no rule.") with { Tampering = tampering };
        }

        var ours = new List<string>();
        var reverted = new List<string>();
        foreach (var groupId in call.IdsOf("sg-"))
        {
            if (await services.Ec2.DescribeSecurityGroupAsync(groupId, cancellationToken) is not { } group
                || QuarantineGroups.RulesOf(group.GroupName, settings) is not { } rules)
            {
                continue;
            }

            ours.Add(groupId);
            LogGroupTampering(logger, groupId, group.GroupName, call.EventName, call.Caller);
            reverted.AddRange(await RestoreRulesAsync(services.Ec2, group, rules, cancellationToken));
        }

        if (ours.Count == 0)
        {
            LogIgnored(logger, kind, "no isolation group is touched");
            return Ignored(call, kind, null, $"{call.EventName} touches no isolation group; nothing to do.") with { Tampering = tampering };
        }

        var message = reverted.Count == 0
            ? $"{call.EventName} by {call.Caller} changed isolation group(s) {string.Join(", ", ours)}, which hold the rules they must; nothing to undo."
            : $"{call.EventName} by {call.Caller} changed isolation group(s) {string.Join(", ", ours)}; undone: {string.Join("; ", reverted)}.";
        return Result(call, kind, reverted.Count == 0 ? Outcomes.Ignored : EventResult.Reverted, message, [])
            with { Tampering = tampering with { RevertedRules = reverted } };
    }

    /// <summary>Revokes the rules beyond what the group must hold (when it must hold exactly those) and authorizes the missing ones; says what it did.</summary>
    private static async Task<List<string>> RestoreRulesAsync(IEc2Api ec2, SecurityGroupInfo group, IsolationGroupRules rules, CancellationToken cancellationToken)
    {
        var done = new List<string>();
        foreach (var direction in new[] { RuleDirection.Ingress, RuleDirection.Egress })
        {
            var actual = direction == RuleDirection.Ingress ? group.Ingress : group.Egress;
            var desired = rules.Of(direction);
            var extra = rules.Exact ? actual.Except(desired).ToList() : [];
            if (extra.Count > 0)
            {
                await ec2.RevokeAsync(group.GroupId, direction, extra, cancellationToken);
                done.AddRange(extra.Select(rule => $"{group.GroupId} {direction.ToString().ToLowerInvariant()} {rule} revoked"));
            }

            var missing = desired.Except(actual).ToList();
            if (missing.Count > 0)
            {
                await ec2.AuthorizeAsync(group.GroupId, direction, missing, cancellationToken);
                done.AddRange(missing.Select(rule => $"{group.GroupId} {direction.ToString().ToLowerInvariant()} {rule} restored"));
            }
        }

        return done;
    }

    [LoggerMessage(2030, LogLevel.Warning, "Tampering with isolation group {GroupId} ({GroupName}): {EventName} by {Caller}; restoring its rules")]
    private static partial void LogGroupTampering(ILogger logger, string groupId, string groupName, string eventName, string caller);
}
