using System.Text.RegularExpressions;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Metrics;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Events;

/// <summary>
/// Turns EventBridge events into isolations. Delivery is at least once: duplicates and concurrent events for one
/// instance end in one isolation (the engine's conditional record), an instance another run is isolating is "busy"
/// (not an error: that run finishes it, or its retry and the sweep do), and a GuardDuty finding already handled is
/// recognised by its id in the record the engine reads anyway, so that a finding's first isolation cuts the network as
/// soon as a tag change's. Each event acts in the account it names, through <paramref name="accounts"/>: an account or
/// region the deployment may not act in is refused (an outcome, not an error: a retry cannot change it).
/// </summary>
/// <param name="throttles">The throttled-call counter the AWS adapters report to; each isolation run is measured (docs/metrics.md).</param>
public sealed partial class IsolationEventProcessor(
    IAccountRouter accounts, IsolationSettings settings, ILogger<IsolationEventProcessor> logger,
    ThrottleCounter? throttles = null, TimeProvider? time = null, ApprovalService? approvals = null) : IIsolationEventProcessor
{
    private readonly IsolationMetering _metering = new(logger, throttles, time ?? TimeProvider.System);

    public async Task<EventResult> HandleAsync(string eventJson, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(eventJson);
        var received = IsolationEvent.Parse(eventJson);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["SourceEventId"] = received.EventId, ["AccountId"] = received.Account });
        switch (received)
        {
            // Findings name their instances' accounts themselves: each instance is routed on its own.
            case IsolationEvent.Finding finding:
                return await OnFindingAsync(finding, cancellationToken);
            case IsolationEvent.SecurityHubAction action:
                return await OnSecurityHubActionAsync(action, cancellationToken);
        }

        AccountServices services;
        try
        {
            services = await accounts.ForAsync(received.Account, received.Region, cancellationToken);
        }
        catch (AccountRefusedException e)
        {
            var instanceId = (received as IsolationEvent.TagChange)?.InstanceId ?? (received as IsolationEvent.Continuation)?.InstanceId
                ?? (received as IsolationEvent.ApprovalDecided)?.InstanceId;
            return Result(received, received.Kind, Outcomes.Refused, e.Message,
                instanceId is null ? [] : [new InstanceOutcome(instanceId, Outcomes.Refused, e.Message) { Error = e.Message }]);
        }

        return received switch
        {
            IsolationEvent.TagChange change => await OnTagChangeAsync(services, change, cancellationToken),
            IsolationEvent.ApiCall call => await OnApiCallAsync(services, call, cancellationToken),
            IsolationEvent.Continuation continuation => await OnContinuationAsync(services, continuation, cancellationToken),
            IsolationEvent.ApprovalDecided decided => await OnApprovalDecidedAsync(services, decided, cancellationToken),
            _ => await SweepAsync(services, received, cancellationToken),
        };
    }

    private async Task<EventResult> OnTagChangeAsync(AccountServices services, IsolationEvent.TagChange change, CancellationToken cancellationToken)
    {
        var kind = change.Kind;
        var key = settings.TriggerTagKey;
        if (change.InstanceId is null
            || !change.ChangedKeys.Contains(key, StringComparer.Ordinal)
            || change.Tags.GetValueOrDefault(key) != settings.TriggerTagValue)
        {
            LogIgnored(logger, kind, "not the trigger tag set to its value on an EC2 instance");
            return Ignored(change, kind, change.InstanceId, $"Not {key}={settings.TriggerTagValue} set on an EC2 instance; nothing to do.");
        }

        var reason = $"Tag {key}={settings.TriggerTagValue} applied";
        var target = new FindingTarget(change.Account, change.Region, change.InstanceId, FindingId: string.Empty, reason, "tag-change event " + change.EventId, TierOf(Triggers.Tag, AnalystSeverity));
        if (await ApplyTierAsync(target.Tier, change, target, cancellationToken) is { } asked)
        {
            return Single(change, kind, asked);
        }

        var outcome = await IsolateAsync(
            change,
            services.Isolation,
            new IsolationRequest(change.InstanceId, $"Tag {key}={settings.TriggerTagValue} applied", RequestedBy: TagChangeRequester + change.EventId)
            {
                OnlyIfTagged = new(key, settings.TriggerTagValue),
            },
            cancellationToken);
        return Single(change, kind, outcome);
    }

    /// <summary>
    /// Finishes the deferred EC2 evidence steps of an isolation (the continuation queue). Busy is an error here, not an
    /// outcome: the message must come back (SQS redelivers it after its visibility timeout) rather than be deleted
    /// while another run holds the record.
    /// </summary>
    private async Task<EventResult> OnContinuationAsync(AccountServices services, IsolationEvent.Continuation continuation, CancellationToken cancellationToken)
    {
        var request = new IsolationRequest(continuation.InstanceId, RequestedBy: "continuation " + continuation.EventId)
        {
            ContinuationOf = new Ports.Continuation(continuation.InstanceId, continuation.Account, continuation.Region, continuation.IncidentId, continuation.Generation),
        };
        var outcome = await IsolateAsync(continuation, services.Isolation, request, cancellationToken);
        return outcome.Outcome == Outcomes.Busy
            ? throw new IsolationBusyException($"{continuation.InstanceId} is held by another run; the continuation of incident {continuation.IncidentId} comes back later.")
            : Single(continuation, continuation.Kind, outcome);
    }

    /// <summary>
    /// Isolates one instance for <paramref name="received"/>, measured (docs/metrics.md); only a failed isolation is an
    /// error: busy and refused instances are outcomes.
    /// </summary>
    private async Task<InstanceOutcome> IsolateAsync(
        IsolationEvent received, IIsolationService isolation, IsolationRequest request, CancellationToken cancellationToken)
    {
        using var measured = _metering.Start(received.Kind, received.Time);
        try
        {
            var result = await isolation.IsolateAsync(request, cancellationToken);
            var outcome = result.Outcome switch
            {
                IsolationOutcome.Isolated => Outcomes.Isolated,
                IsolationOutcome.Contained => Outcomes.Contained,
                IsolationOutcome.ContinuationStale => Outcomes.Ignored,
                IsolationOutcome.FindingHandledBefore => Outcomes.AlreadyHandled,
                IsolationOutcome.TriggerTagAbsent => Outcomes.Ignored,
                _ => Outcomes.AlreadyIsolated,
            };
            measured.Ended(outcome, request.InstanceId, result.Record);
            return InstanceOutcome.FromRecord(outcome, result.Record, result.Message);
        }
        catch (IsolationBusyException e)
        {
            measured.Ended(Outcomes.Busy, request.InstanceId, record: null);
            LogBusy(logger, request.InstanceId);
            return new InstanceOutcome(request.InstanceId, Outcomes.Busy, $"{request.InstanceId} is being isolated by another run; nothing changed by this one.")
            {
                Error = e.Message,
            };
        }
        catch (InvalidRequestException e)
        {
            // An unknown or terminated instance: a retry cannot change that, so it is refused, not failed.
            measured.Ended(Outcomes.Refused, request.InstanceId, record: null);
            LogRefused(logger, request.InstanceId, e.Message);
            return new InstanceOutcome(request.InstanceId, Outcomes.Refused, $"{request.InstanceId} was refused: {e.Message}") { Error = e.Message };
        }
        catch (Exception e)
        {
            // Failed (the invocation fails, fail closed), or incomplete: contained, a later step failed. Measured, then thrown.
            var incomplete = (e as IsolationFailedException)?.Result?.Record;
            measured.Ended(incomplete is null ? IsolationMetricNames.Failed : IsolationMetricNames.Incomplete, request.InstanceId, incomplete);
            throw;
        }
    }

    private static EventResult Single(IsolationEvent received, string kind, InstanceOutcome outcome) =>
        Result(received, kind, outcome.Outcome, outcome.Message, [outcome]);

    private static EventResult Ignored(IsolationEvent received, string kind, string? instanceId, string message) =>
        Result(received, kind, Outcomes.Ignored, message, instanceId is null ? [] : [new InstanceOutcome(instanceId, Outcomes.Ignored, message)]);

    /// <summary>The result; an instance without an account (all but a sweep's) is in the event's.</summary>
    private static EventResult Result(IsolationEvent received, string kind, string action, string message, IReadOnlyList<InstanceOutcome> instances) =>
        new(kind, received.EventId, received.Account, received.Region, action, message, [.. instances.Select(i => i with { Account = i.Account ?? received.Account })]);

    private string PrefixPolicy() =>
        settings.GuardDutyTypePrefixes.Count == 0 ? string.Empty : ", type starting with " + string.Join(" or ", settings.GuardDutyTypePrefixes);

    /// <summary>EC2 tag values allow letters, digits, spaces and + - = . _ : / @, up to 256 characters.</summary>
    private static string TagValue(string text)
    {
        var clean = TagUnsafe().Replace(text, "_");
        return clean.Length <= 256 ? clean : clean[..256];
    }

    [GeneratedRegex(@"[^\p{L}\p{N} +\-=._:/@]")]
    private static partial Regex TagUnsafe();

    [LoggerMessage(2000, LogLevel.Information, "Ignored a {EventKind} event: {Why}")]
    private static partial void LogIgnored(ILogger logger, string eventKind, string why);

    [LoggerMessage(2001, LogLevel.Information, "{InstanceId} is being isolated by another run; this event changed nothing")]
    private static partial void LogBusy(ILogger logger, string instanceId);

    [LoggerMessage(2002, LogLevel.Warning, "Refused to isolate {InstanceId}: {Why}")]
    private static partial void LogRefused(ILogger logger, string instanceId, string why);
}
