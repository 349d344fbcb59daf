using Ec2Isolation.Core.Approvals;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Events;

/// <summary>
/// The tiers of <see cref="IsolationEventProcessor"/>: each trigger and severity band contains (at once, as before tiers),
/// asks in Slack first, notifies only, or ignores (EC2ISOLATION_TIERS; docs/tiers.md).
/// </summary>
public sealed partial class IsolationEventProcessor
{
    /// <summary>The severity of triggers that have none (an analyst's tag or custom action): the top of every band.</summary>
    private const double AnalystSeverity = 10;

    private Tier TierOf(string trigger, double severity) => settings.Tiers.For(trigger, severity, settings.GuardDutyMinSeverity);

    /// <summary>
    /// Asks or notifies as the tier says, and returns what happened; null when the tier contains (the caller isolates).
    /// A tier that asks without an approval channel contains: security tooling fails closed.
    /// </summary>
    private async Task<InstanceOutcome?> ApplyTierAsync(Tier? tier, IsolationEvent received, FindingTarget target, CancellationToken cancellationToken)
    {
        if (tier is not { Action: TierAction.Ask or TierAction.Notify })
        {
            return null;
        }

        if (approvals is null)
        {
            LogNoChannel(logger, tier.ToString(), target.InstanceId);
            return tier.Action == TierAction.Ask
                ? null
                : new InstanceOutcome(target.InstanceId, Outcomes.Ignored, $"The tier {tier} notifies, and no Slack channel is configured; nothing changed.") { Account = target.AccountId };
        }

        var request = new ApprovalTarget(
            target.AccountId, target.Region, target.InstanceId, TriggerOf(received), target.Reason,
            target.FindingId.Length == 0 ? null : target.FindingId, target.FindingTitle, target.Severity, received.EventId, tier);
        return tier.Action == TierAction.Ask
            ? await approvals.AskAsync(request, cancellationToken)
            : await approvals.NotifyAsync(request, cancellationToken);
    }

    private static string TriggerOf(IsolationEvent received) => received switch
    {
        IsolationEvent.TagChange => Triggers.Tag,
        IsolationEvent.Finding { SequenceId: not null } => Triggers.AttackSequence,
        IsolationEvent.Finding => Triggers.GuardDuty,
        _ => Triggers.SecurityHubAction,
    };

    [LoggerMessage(2010, LogLevel.Warning, "The tier {Tier} asks or notifies, but no approval channel is configured: {InstanceId} is contained if asked about (fail closed), else left alone")]
    private static partial void LogNoChannel(ILogger logger, string tier, string instanceId);
}
