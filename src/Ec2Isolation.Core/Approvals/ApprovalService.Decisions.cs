using System.Security.Cryptography;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Ports;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Approvals;

/// <summary>
/// Decisions: each request decided once (a conditional write). From the CLI, an approval isolates in the same run; through
/// Slack's URL, the decision is recorded, then handed on to an invocation of their own (Slack wants its answer
/// within 3 seconds: https://docs.slack.dev/tools/bolt-js/concepts/acknowledge), which acts on each decision once. A
/// decision whose hand-off failed, or whose invocation failed, is acted on by the sweep: fail closed toward containment.
/// </summary>
public sealed partial class ApprovalService
{
    /// <summary>
    /// The longest the URL waits for the hand-off to be accepted: Lambda answers an asynchronous Invoke with 202 once
    /// the event is queued, in well under a second; the rest of Slack's 3 seconds is the signature, the approver and the
    /// conditional write.
    /// </summary>
    public static readonly TimeSpan HandOffTimeout = TimeSpan.FromSeconds(1.5);

    /// <summary>
    /// How long after a decision the sweep takes it over when nothing acted on it: a handed-off invocation normally
    /// starts within seconds, and while it runs the sweep would only find the record busy.
    /// </summary>
    public static readonly TimeSpan HandOffGrace = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Decides a request once: approval isolates through the engine, denial changes nothing. An unknown or superseded
    /// request, one decided before, or one past its expiry changes nothing and says why. With a hand-off, the decision
    /// is recorded and handed on, and the isolation runs in the invocation it starts (<see cref="HandOffAsync"/>).
    /// </summary>
    public async Task<ApprovalAnswer> DecideAsync(ApprovalClick click, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(click);
        var (refusal, request) = await ClaimClickAsync(click, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        LogDecided(logger, request.RequestId, request.InstanceId, request.Status, click.DecidedBy);
        if (handOff is not null)
        {
            return await HandOffAsync(handOff, request, click, cancellationToken);
        }

        request.Outcome = click.Approve
            ? (await IsolateAsync(request, cancellationToken)).Text
            : $"Denied by {click.DecidedBy}: nothing was changed.";
        await SaveOutcomeAsync(request, cancellationToken);
        if (click.ResponseUrl is { } responseUrl)
        {
            await UpdateMessageAsync(request, responseUrl, cancellationToken);
        }

        return new(true, request.Outcome, request);
    }

    /// <summary>The click's request, decided by it (a conditional write); or why nothing changed.</summary>
    private async Task<(ApprovalAnswer? Refusal, ApprovalRequest Request)> ClaimClickAsync(ApprovalClick click, CancellationToken cancellationToken)
    {
        var parts = click.ButtonValue.Split('/');
        if (parts.Length != 4 || !InstanceIds.IsInstanceId(parts[2]))
        {
            return (new(false, "This is not an approval request of this deployment; nothing changed."), null!);
        }

        var request = await store.GetAsync(parts[0], parts[1], parts[2], cancellationToken);
        if (request is null || !CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.ASCII.GetBytes(request.RequestId), System.Text.Encoding.ASCII.GetBytes(parts[3])))
        {
            return (new(false, $"No such approval request for {parts[2]} (a newer request replaced it, or it never existed); nothing changed."), null!);
        }

        if (request.Status != ApprovalStatus.Pending)
        {
            return (new(false, $"Request {request.RequestId} was decided before: {request.Status} by {request.DecidedBy} at {Time(request.DecidedAt!.Value)}; nothing changed.", request), request);
        }

        var now = time.GetUtcNow();
        if (request.IsExpired(now))
        {
            return (new(false, $"Request {request.RequestId} expired at {Time(request.ExpiresAt)}; it is {Expiry(request.OnExpiry)} by the time-out, not by this decision. Nothing changed.", request), request);
        }

        return await ClaimAsync(request, click.Approve ? ApprovalStatus.Approved : ApprovalStatus.Denied, click.DecidedBy, now, cancellationToken)
            ? (null, request)
            : (new(false, $"Request {request.RequestId} was decided by someone else at the same moment; nothing changed by this decision.", request), request);
    }

    /// <summary>Hands the recorded decision on; when that fails, the decision stands and the sweep acts on it.</summary>
    private async Task<ApprovalAnswer> HandOffAsync(IApprovalHandOff port, ApprovalRequest request, ApprovalClick click, CancellationToken cancellationToken)
    {
        var decision = new ApprovalHandOff(request.RequestId, request.AccountId, request.Region, request.InstanceId, request.DecidedAt!.Value, click.ResponseUrl);
        using var bounded = new CancellationTokenSource(HandOffTimeout, time);
        using var token = CancellationTokenSource.CreateLinkedTokenSource(bounded.Token, cancellationToken);
        try
        {
            await port.HandOffAsync(decision, token.Token);
            return new(true, click.Approve
                ? $"Approved by {click.DecidedBy}: {request.InstanceId} is being isolated; the message shows the result when it is done."
                : $"Denied by {click.DecidedBy}: nothing is changed.", request);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var why = e is OperationCanceledException ? $"no answer within {HandOffTimeout.TotalSeconds} s" : e.Message;
            LogHandOffFailed(logger, request.RequestId, request.InstanceId, why);
            var text = click.Approve
                ? $"Approved by {click.DecidedBy} and recorded, but the isolation could not be started now ({why}): the sweep isolates {request.InstanceId} within minutes."
                : $"Denied by {click.DecidedBy} and recorded: nothing is changed.";
            if (click.ResponseUrl is { } responseUrl)
            {
                await ShowAsync(request, text, responseUrl, cancellationToken);
            }

            return new(true, text, request);
        }
    }

    /// <summary>
    /// The request a handed-off decision names, when it is decided (approved or denied) and nobody acted on it yet;
    /// otherwise null and why nothing is to be done (a newer request, still pending, expired, acted on before).
    /// </summary>
    public async Task<(ApprovalRequest? Request, string Why)> DecidedNotActedAsync(
        string accountId, string region, string instanceId, string requestId, CancellationToken cancellationToken)
    {
        var request = await store.GetAsync(accountId, region, instanceId, cancellationToken);
        return request switch
        {
            null => (null, $"{instanceId} has no approval request; nothing changed."),
            _ when request.RequestId != requestId => (null, $"Approval request {requestId} of {instanceId} was replaced by request {request.RequestId}; nothing changed."),
            { Status: ApprovalStatus.Pending } => (null, $"Approval request {requestId} of {instanceId} is not decided; nothing changed."),
            { Status: ApprovalStatus.Expired } => (null, $"Approval request {requestId} of {instanceId} expired; its time-out applied: {request.Outcome}"),
            { Outcome: { } outcome } => (null, $"The decision on approval request {requestId} of {instanceId} was acted on before: {outcome}"),
            _ => (request, string.Empty),
        };
    }

    /// <summary>
    /// Records what the decision did (the request is then acted on), and shows it in the Slack message. A conflict means
    /// another run (the sweep, a repeated hand-off) recorded it first: its record stands.
    /// </summary>
    public async Task RecordActedAsync(ApprovalRequest request, string outcome, Uri? responseUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Outcome = outcome;
        try
        {
            await SaveOutcomeAsync(request, cancellationToken);
        }
        catch (RecordConflictException)
        {
            LogActedBefore(logger, request.RequestId, request.InstanceId);
            return;
        }

        if (responseUrl is not null)
        {
            await UpdateMessageAsync(request, responseUrl, cancellationToken);
        }
    }

    /// <summary>
    /// The sweep's part: every decision nobody acted on <see cref="HandOffGrace"/> after it was made (its hand-off or its
    /// invocation failed). An approval is isolated (a failure stays unacted, for the next sweep, and fails this one; one
    /// another run is isolating is left to it); a denial is recorded. Each isolation is told to the channel.
    /// </summary>
    public async Task<IReadOnlyList<InstanceOutcome>> FinishDecidedAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var outcomes = new List<InstanceOutcome>();
        foreach (var request in (await store.ListDecidedNotActedAsync(cancellationToken)).Where(r => r.DecidedAt + HandOffGrace <= now))
        {
            if (request.Status == ApprovalStatus.Denied)
            {
                var denied = $"Denied by {request.DecidedBy}: nothing was changed.";
                await RecordActedAsync(request, denied, responseUrl: null, cancellationToken);
                outcomes.Add(new InstanceOutcome(request.InstanceId, Outcomes.Denied, denied) { Account = request.AccountId });
                continue;
            }

            var (isolated, busy, text) = await IsolateAsync(request, cancellationToken);
            if (busy)
            {
                // Its handed-off invocation is still isolating it (a large instance, a slow minute): that run records it.
                continue;
            }

            if (!isolated)
            {
                outcomes.Add(new InstanceOutcome(request.InstanceId, Outcomes.Failed, text) { Account = request.AccountId, Error = text });
                continue;
            }

            await RecordActedAsync(request, text, responseUrl: null, cancellationToken);
            await channel.PostNoticeAsync(
                $"{request.InstanceId} isolated on approval", text,
                Facts(request.AccountId, request.Region, request.InstanceId, request.FindingTitle, request.Severity, request.Evidence), cancellationToken);
            outcomes.Add(new InstanceOutcome(request.InstanceId, Outcomes.Isolated, text) { Account = request.AccountId });
        }

        return outcomes;
    }

    [LoggerMessage(2105, LogLevel.Error, "The decision on approval request {RequestId} for {InstanceId} is recorded but could not be handed off ({Why}); the sweep acts on it")]
    private static partial void LogHandOffFailed(ILogger logger, string requestId, string instanceId, string why);

    [LoggerMessage(2106, LogLevel.Information, "The decision on approval request {RequestId} for {InstanceId} was recorded as acted on by another run first")]
    private static partial void LogActedBefore(ILogger logger, string requestId, string instanceId);
}
