using System.Globalization;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Isolation;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Events;

/// <summary>
/// Findings: GuardDuty's (one instance, or an attack sequence's group) and those an analyst sends with the Security Hub
/// custom action. Each named instance is routed to the account the finding names, isolated with the finding's id in its
/// record (so that a redelivery or a re-publication changes nothing) and tagged like an analyst's tag once claimed.
/// </summary>
public sealed partial class IsolationEventProcessor
{
    /// <summary>
    /// The most instances one event isolates: at <see cref="SweepConcurrency"/> at a time they fit in the function's
    /// timeout. An attack sequence names up to 25 per grouping, a Security Hub finding up to 32 resources; the instances
    /// beyond the cap are refused in the result (and logged), never dropped silently.
    /// </summary>
    public const int MaxInstancesPerEvent = 50;

    /// <summary>What the result's action is for an event about several instances: the first outcome of this order among them.</summary>
    private static readonly string[] ActionPrecedence =
        [Outcomes.Isolated, Outcomes.Contained, Outcomes.Busy, Outcomes.Refused, Outcomes.ApprovalRequested, Outcomes.Notified, Outcomes.AlreadyIsolated, Outcomes.AlreadyHandled, Outcomes.Ignored];

    /// <summary>One instance a finding asks to isolate, in the account and region it names.</summary>
    /// <param name="Tier">What the trigger's tier does with it; contain when none is given.</param>
    private sealed record FindingTarget(
        string AccountId, string Region, string InstanceId, string FindingId, string Reason, string RequestedBy, Tier? Tier = null, string? FindingTitle = null, double? Severity = null);

    private async Task<EventResult> OnFindingAsync(IsolationEvent.Finding finding, CancellationToken cancellationToken)
    {
        var kind = finding.Kind;
        RequireOwnFindingOutsideCentralMode(finding, finding.FindingAccount);
        if (finding.Instances.Count == 0)
        {
            LogIgnored(logger, kind, "the finding's resource is not an EC2 instance");
            return Ignored(finding, kind, null, $"Finding {finding.FindingId} is not about an EC2 instance; nothing to do.");
        }

        if (finding.SequenceId is not null && !settings.EventKinds.AttackSequences)
        {
            LogIgnored(logger, kind, "attack sequences do not isolate (EC2ISOLATION_ATTACK_SEQUENCES=false)");
            return IgnoredAll(finding, finding.FindingAccount, finding.Instances,
                $"Attack sequence {finding.FindingId} does not isolate here (EC2ISOLATION_ATTACK_SEQUENCES=false); nothing to do.");
        }

        // An attack sequence has its own setting: the type prefixes choose among the single-instance findings. The
        // severity's tier decides the rest (by default: contain at or above EC2ISOLATION_GUARDDUTY_MIN_SEVERITY, ignore below).
        var tier = TierOf(finding.SequenceId is null ? Triggers.GuardDuty : Triggers.AttackSequence, finding.Severity);
        if (tier.Action == TierAction.Ignore
            || (finding.SequenceId is null && settings.GuardDutyTypePrefixes.Count > 0
                && !settings.GuardDutyTypePrefixes.Any(p => finding.Type.StartsWith(p, StringComparison.Ordinal))))
        {
            LogIgnored(logger, kind, "below the severity threshold or not an isolating finding type");
            return IgnoredAll(finding, finding.FindingAccount, finding.Instances, string.Create(CultureInfo.InvariantCulture,
                $"Finding {finding.Type} (severity {finding.Severity}) does not meet the isolation policy (severity >= {settings.GuardDutyMinSeverity}{PrefixPolicy()}); nothing to do."));
        }

        var reason = string.Create(CultureInfo.InvariantCulture, $"GuardDuty {finding.Type} severity {finding.Severity} finding {finding.FindingId}")
            + (finding.SequenceId is { } sequence ? $" (attack sequence {sequence}, {finding.Instances.Count} instances)" : string.Empty);
        return await IsolateTargetsAsync(
            finding,
            [.. finding.Instances.Select(id => new FindingTarget(
                finding.FindingAccount, finding.Region, id, finding.FindingId, reason, "guardduty event " + finding.EventId, tier, finding.Type, finding.Severity))],
            cancellationToken);
    }

    private async Task<EventResult> OnSecurityHubActionAsync(IsolationEvent.SecurityHubAction action, CancellationToken cancellationToken)
    {
        var kind = action.Kind;
        if (settings.EventKinds.SecurityHubActionId != action.ActionId)
        {
            LogIgnored(logger, kind, "another custom action than this deployment's");
            return Ignored(action, kind, null,
                $"Custom action {InstanceIds.Printable(action.ActionId)} is not this deployment's ({settings.EventKinds.SecurityHubActionId ?? "none: EC2ISOLATION_SECURITYHUB_ACTION_ID is not set"}); nothing to do.");
        }

        foreach (var finding in action.Findings)
        {
            RequireOwnFindingOutsideCentralMode(action, finding.AccountId);
        }

        // An analyst chose these findings: every instance of every finding is isolated, whatever its severity.
        var targets = action.Findings
            .SelectMany(finding => finding.Instances.Select(instance => new FindingTarget(
                finding.AccountId, instance.Region, instance.InstanceId, finding.Id, $"Security Hub custom action {action.ActionId} on finding {finding.Id}",
                "securityhub custom action event " + action.EventId, TierOf(Triggers.SecurityHubAction, AnalystSeverity), finding.Id)))
            .DistinctBy(target => (target.AccountId, target.Region, target.InstanceId))
            .ToList();
        if (targets.Count == 0)
        {
            LogIgnored(logger, kind, "no finding names an EC2 instance");
            return Ignored(action, kind, null, $"No finding of the custom action names an {IsolationEvent.SecurityHubAction.InstanceResourceType} resource; nothing to do.");
        }

        return await IsolateTargetsAsync(action, targets, cancellationToken);
    }

    /// <summary>
    /// A finding of another account than the event's is a member's at the delegated administrator: handled only in central
    /// mode. Outside it, the event is refused as malformed, as before central mode existed: nothing is called.
    /// </summary>
    private void RequireOwnFindingOutsideCentralMode(IsolationEvent received, string findingAccount)
    {
        if (findingAccount != received.Account && settings.Accounts is null)
        {
            throw new InvalidEventException(
                $"The finding belongs to account {InstanceIds.Printable(findingAccount)}, not to the event's {received.Account}: a member account's finding, "
                + "as a delegated administrator receives it, is handled only in central mode (EC2ISOLATION_MEMBER_ROLE_NAME; docs/many-accounts.md).");
        }
    }

    /// <summary>
    /// The services of the account a finding names. A member's finding is accepted only in an event of this deployment's
    /// own account: the administrator's bus is where GuardDuty and Security Hub deliver members' findings, and no one can
    /// put an aws.* event there with PutEvents. The member account itself must be one the router allows.
    /// </summary>
    private async Task<AccountServices> ServicesForAsync(IsolationEvent received, FindingTarget target, CancellationToken cancellationToken)
    {
        if (target.AccountId != received.Account
            && !ReferenceEquals(await accounts.ForAsync(received.Account, received.Region, cancellationToken), accounts.Home))
        {
            throw new AccountRefusedException(
                $"Refused to act in account {target.AccountId}: its finding arrived in an event of account {received.Account}, not of this deployment's own, "
                + "where a delegated administrator receives its members' findings. Nothing was changed.");
        }

        return await accounts.ForAsync(target.AccountId, target.Region, cancellationToken);
    }

    /// <summary>
    /// Isolates each target (several at once, up to <see cref="MaxInstancesPerEvent"/>). One failed isolation does not
    /// stop the others; it fails the invocation at the end, as in a sweep, so that Lambda retries and the alarm fires.
    /// </summary>
    private async Task<EventResult> IsolateTargetsAsync(IsolationEvent received, IReadOnlyList<FindingTarget> targets, CancellationToken cancellationToken)
    {
        if (targets.Count == 1)
        {
            return Single(received, received.Kind, await IsolateTargetAsync(received, targets[0], cancellationToken));
        }

        var outcomes = new List<InstanceOutcome>();
        foreach (var over in targets.Skip(MaxInstancesPerEvent))
        {
            var why = $"The event names {targets.Count} instances; one event isolates at most {MaxInstancesPerEvent}. Isolate {over.InstanceId} by hand or with its trigger tag.";
            LogOverCap(logger, over.InstanceId, targets.Count, MaxInstancesPerEvent);
            outcomes.Add(new InstanceOutcome(over.InstanceId, Outcomes.Refused, why) { Account = over.AccountId, Error = why });
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = SweepConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(targets.Take(MaxInstancesPerEvent), options, async (target, token) =>
        {
            InstanceOutcome outcome;
            try
            {
                outcome = await IsolateTargetAsync(received, target, token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                outcome = new InstanceOutcome(target.InstanceId, Outcomes.Failed, e.Message) { Account = target.AccountId, Error = e.Message };
            }

            lock (outcomes)
            {
                outcomes.Add(outcome);
            }
        });

        var failed = outcomes.Where(o => o.Outcome == Outcomes.Failed).OrderBy(o => o.InstanceId, StringComparer.Ordinal).ToList();
        if (failed.Count > 0)
        {
            // Fail loudly: each failed run left a record, and Lambda's retry (or the sweep, by the trigger tag) finishes it.
            throw new IsolationFailedException(
                $"{failed.Count} of {targets.Count} instances named by {received.Kind} event {received.EventId} failed to isolate: "
                + string.Join(" | ", failed.Select(o => $"{o.Account}/{o.InstanceId}: {o.Error}")),
                received.Kind,
                new InvalidOperationException(failed[0].Error));
        }

        var ordered = outcomes.OrderBy(o => o.InstanceId, StringComparer.Ordinal).ThenBy(o => o.Account, StringComparer.Ordinal).ToList();
        var action = ActionPrecedence.First(outcome => ordered.Any(o => o.Outcome == outcome));
        var summary = string.Join(", ", ActionPrecedence.Select(outcome => (outcome, count: ordered.Count(o => o.Outcome == outcome)))
            .Where(c => c.count > 0).Select(c => $"{c.count} {c.outcome}"));
        return Result(received, received.Kind, action, $"{ordered.Count} instances named: {summary}.", ordered);
    }

    private async Task<InstanceOutcome> IsolateTargetAsync(IsolationEvent received, FindingTarget target, CancellationToken cancellationToken)
    {
        AccountServices services;
        try
        {
            services = await ServicesForAsync(received, target, cancellationToken);
        }
        catch (AccountRefusedException e)
        {
            return new InstanceOutcome(target.InstanceId, Outcomes.Refused, e.Message) { Account = target.AccountId, Error = e.Message };
        }

        if (await ApplyTierAsync(target.Tier, received, target, cancellationToken) is { } asked)
        {
            return asked;
        }

        // The trigger tag shows responders in the console why the instance is isolated, as an analyst's tag would, and
        // lets the sweep retry if this run fails. The engine puts it on only once it has claimed the record: never on an
        // instance whose finding was handled before (on a released one it would isolate it again through the Tag Change rule).
        var tags = new Dictionary<string, string>
        {
            [settings.TriggerTagKey] = settings.TriggerTagValue,
            [settings.StatusTagPrefix + "reason"] = TagValue(target.Reason),
        };
        var outcome = await IsolateAsync(
            received,
            services.Isolation,
            new IsolationRequest(target.InstanceId, target.Reason, RequestedBy: target.RequestedBy, FindingId: target.FindingId, TagsOnceClaimed: tags),
            cancellationToken);
        return outcome with { Account = target.AccountId };
    }

    private static EventResult IgnoredAll(IsolationEvent received, string accountId, IReadOnlyList<string> instanceIds, string message) =>
        Result(received, received.Kind, Outcomes.Ignored, message,
            [.. instanceIds.Select(id => new InstanceOutcome(id, Outcomes.Ignored, message) { Account = accountId })]);

    [LoggerMessage(2006, LogLevel.Warning, "Refused to isolate {InstanceId}: the event names {Named} instances, and one event isolates at most {Cap}")]
    private static partial void LogOverCap(ILogger logger, string instanceId, int named, int cap);
}
