using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Ports;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Approvals;

/// <summary>
/// Approval requests: asks (one pending request per instance; an event delivered again or a finding re-published asks
/// nothing more), decides each request once (a conditional write: a second click, a replay or a race changes nothing),
/// isolates an approved one through the engine with the approver as RequestedBy, and applies each tier's time-out.
/// </summary>
/// <param name="handOff">
/// Where a decision made through Slack's URL is handed on (the Lambda: an asynchronous invocation of itself), so that the
/// URL answers within Slack's 3 seconds; null (the CLI) decides and isolates in one go.
/// </param>
/// <param name="ticket">Where requests, decisions and notices are ticketed too (Jira); null: Slack alone.</param>
public sealed partial class ApprovalService(
    IAccountRouter accounts, IApprovalStore store, IApprovalChannel channel, IsolationSettings settings, TimeProvider time, ILogger<ApprovalService> logger,
    IApprovalHandOff? handOff = null, IApprovalTicket? ticket = null)
{
    /// <summary>Who decides a request that nobody answered in time.</summary>
    public const string TimeOut = "time-out";

    /// <summary>Posts an approval request for <paramref name="target"/>, unless one is pending or its finding was decided before.</summary>
    public async Task<InstanceOutcome> AskAsync(ApprovalTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var now = time.GetUtcNow();
        var existing = await store.GetAsync(target.AccountId, target.Region, target.InstanceId, cancellationToken);
        if (existing is { Status: ApprovalStatus.Pending } pending && !pending.IsExpired(now))
        {
            if (pending.PostedAt is null)
            {
                await PostAsync(pending, cancellationToken);
            }
            else
            {
                await OpenLateTicketAsync(pending, cancellationToken);
            }

            return Outcome(target, Outcomes.ApprovalRequested, $"{target.InstanceId} awaits a decision on approval request {pending.RequestId} until {Time(pending.ExpiresAt)}; nothing more asked.");
        }

        if (existing is { FindingId: { } decidedFinding } && decidedFinding == target.FindingId)
        {
            return Outcome(target, Outcomes.AlreadyHandled, $"Finding {target.FindingId} was decided before ({existing.Status} by {existing.DecidedBy}); nothing changed.");
        }

        var request = new ApprovalRequest
        {
            RequestId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            AccountId = target.AccountId,
            Region = target.Region,
            InstanceId = target.InstanceId,
            Trigger = target.Trigger,
            Reason = target.Reason,
            FindingId = target.FindingId,
            FindingTitle = target.FindingTitle,
            Severity = target.Severity,
            SourceEventId = target.SourceEventId,
            RequestedAt = now,
            ExpiresAt = now + target.Tier.Timeout,
            OnExpiry = target.Tier.OnExpiry,
            Evidence = await EvidenceAsync(target, cancellationToken),
            Version = (existing?.Version ?? 0) + 1,
        };
        try
        {
            await store.PutAsync(request, existing?.Version, cancellationToken);
        }
        catch (RecordConflictException)
        {
            // Another event for this instance asked at the same moment: its request is the one.
            return Outcome(target, Outcomes.ApprovalRequested, $"{target.InstanceId} was asked about by another event at the same moment; nothing more asked.");
        }

        await PostAsync(request, cancellationToken);
        LogAsked(logger, request.RequestId, target.InstanceId, request.ExpiresAt);
        return Outcome(target, Outcomes.ApprovalRequested,
            $"Approval requested for {target.InstanceId} (request {request.RequestId}); without a decision by {Time(request.ExpiresAt)} it is {Expiry(request.OnExpiry)}.");
    }

    /// <summary>Tells the channel about <paramref name="target"/>; changes nothing.</summary>
    public async Task<InstanceOutcome> NotifyAsync(ApprovalTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var evidence = await EvidenceAsync(target, cancellationToken);
        var title = $"{target.InstanceId} was reported; not isolated";
        var text = $"{target.Reason}. This tier only notifies: nothing was changed. To isolate: ec2-isolation isolate {target.InstanceId} --account {target.AccountId} --region {target.Region}";
        var facts = Facts(target.AccountId, target.Region, target.InstanceId, target.FindingTitle, target.Severity, evidence);
        await channel.PostNoticeAsync(title, text, facts, cancellationToken);
        var ticketKey = await OpenNoticeTicketAsync(target, title, text, facts, cancellationToken);
        var told = ticketKey is null ? "the channel was told" : $"the channel and ticket {ticketKey} were told";
        return Outcome(target, Outcomes.Notified, $"{target.InstanceId}: {told}; nothing changed (the tier notifies only).");
    }

    /// <summary>The current request of one instance, for <c>status</c>.</summary>
    public Task<ApprovalRequest?> GetAsync(string accountId, string region, string instanceId, CancellationToken cancellationToken) =>
        store.GetAsync(accountId, region, instanceId, cancellationToken);

    /// <summary>Every pending request.</summary>
    public Task<IReadOnlyList<ApprovalRequest>> ListPendingAsync(CancellationToken cancellationToken) => store.ListPendingAsync(cancellationToken);

    /// <summary>The facts a message shows, in order.</summary>
    public static Dictionary<string, string> Facts(
        string accountId, string region, string instanceId, string? findingTitle, double? severity, IReadOnlyDictionary<string, string> evidence)
    {
        var facts = new Dictionary<string, string> { ["Instance"] = instanceId, ["Account"] = accountId, ["Region"] = region };
        if (findingTitle is not null)
        {
            facts["Finding"] = findingTitle;
        }

        if (severity is { } value)
        {
            facts["Severity"] = value.ToString("0.0", CultureInfo.InvariantCulture);
        }

        foreach (var (label, text) in evidence)
        {
            facts[label] = text;
        }

        return facts;
    }

    /// <summary>
    /// Pending to decided, conditional on the version read: false when another decision came first. A pending request
    /// written meanwhile without being decided (its late ticket's key stored) is decided on top of that write: a decision
    /// always wins over a ticket.
    /// </summary>
    private async Task<bool> ClaimAsync(ApprovalRequest request, ApprovalStatus status, string decidedBy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var read = request.Version;
            request.Status = status;
            request.DecidedBy = decidedBy;
            request.DecidedAt = now;
            request.Version = read + 1;
            try
            {
                await store.PutAsync(request, read, cancellationToken);
                return true;
            }
            catch (RecordConflictException) when (attempt < MaxClaimAttempts)
            {
                var current = await store.GetAsync(request.AccountId, request.Region, request.InstanceId, cancellationToken);
                if (current is not { Status: ApprovalStatus.Pending } || current.RequestId != request.RequestId)
                {
                    return false;
                }

                // Only these change while a request is pending; the rest was set when it was asked.
                (request.TicketKey, request.PostedAt, request.Version) = (current.TicketKey, current.PostedAt, current.Version);
            }
            catch (RecordConflictException)
            {
                return false;
            }
        }
    }

    /// <summary>Isolates the request's instance through the engine; never throws: the text says what happened.</summary>
    /// <returns>Busy: another run holds the instance's record and is isolating it (that run records its result).</returns>
    private async Task<(bool Isolated, bool Busy, string Text)> IsolateAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var services = await accounts.ForAsync(request.AccountId, request.Region, cancellationToken);
            var result = await services.Isolation.IsolateAsync(IsolationRequestFor(request), cancellationToken);
            return (true, false, $"{request.Status} by {request.DecidedBy}: {result.Message}");
        }
        catch (IsolationBusyException e)
        {
            return (false, true, $"{request.Status} by {request.DecidedBy}; {request.InstanceId} is being isolated by another run: {e.Message}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The trigger tag is on once the engine claimed the record: the sweep finishes a failed run.
            LogIsolationFailed(logger, e, request.InstanceId, request.RequestId);
            return (false, false, $"{request.Status} by {request.DecidedBy}, but the isolation did not complete: {e.Message}");
        }
    }

    /// <summary>
    /// What the engine is asked for a decided request: its reason and finding, the approver (or the time-out) as
    /// RequestedBy, the decision in the record, and the trigger tag once claimed (so that the sweep finishes a failed run).
    /// </summary>
    internal IsolationRequest IsolationRequestFor(ApprovalRequest request)
    {
        var decision = new ApprovalDecision(request.RequestId, request.Status, request.DecidedBy!, request.DecidedAt!.Value, request.Evidence.GetValueOrDefault("Load balancers"));
        var tags = new Dictionary<string, string>
        {
            [settings.TriggerTagKey] = settings.TriggerTagValue,
            [settings.StatusTagPrefix + "approved-by"] = TagText(request.DecidedBy!),
        };
        if (request.TicketKey is { } ticketKey)
        {
            // The notifier tags only a ticket it opened; the request's ticket is the isolation's, so it is tagged here.
            tags[settings.StatusTagPrefix + "ticket"] = TagText(ticketKey);
        }

        var requestedBy = request.Status == ApprovalStatus.Expired ? $"{TimeOut} of approval request {request.RequestId}" : request.DecidedBy!;
        return new IsolationRequest(request.InstanceId, request.Reason, RequestedBy: requestedBy, FindingId: request.FindingId, TagsOnceClaimed: tags, Approval: decision)
        {
            TicketKey = request.TicketKey,
        };
    }

    /// <summary>Records what the decision did (once: conditional on the version read), then comments it on the request's ticket.</summary>
    private async Task SaveOutcomeAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        var read = request.Version;
        request.Version = read + 1;
        await store.PutAsync(request, read, cancellationToken);
        await CommentDecisionAsync(request, cancellationToken);
    }

    private async Task PostAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        // The ticket before the message: nobody can decide while its key is written, and a retry after Slack failed
        // finds the key kept and opens no second ticket.
        if (request.TicketKey is null && await OpenRequestTicketAsync(request, cancellationToken) is { } ticketKey)
        {
            var before = request.Version;
            request.TicketKey = ticketKey;
            request.Version = before + 1;
            await store.PutAsync(request, before, cancellationToken);
        }

        // A request nobody saw must not wait silently: the failure fails the invocation, and its retry posts again.
        await channel.PostRequestAsync(request, cancellationToken);
        var read = request.Version;
        request.PostedAt = time.GetUtcNow();
        request.Version = read + 1;
        await store.PutAsync(request, read, cancellationToken);
    }

    private async Task UpdateMessageAsync(ApprovalRequest request, Uri responseUrl, CancellationToken cancellationToken)
    {
        try
        {
            await channel.UpdateRequestAsync(request, responseUrl, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The decision stands and is recorded; only its display in the channel is stale.
            LogNotUpdated(logger, request.RequestId, e.Message);
        }
    }

    /// <summary>
    /// Shows <paramref name="text"/> as the request's outcome in its Slack message, without storing it: the request stays
    /// "decided, not acted on", which is what the sweep looks for.
    /// </summary>
    private async Task ShowAsync(ApprovalRequest request, string text, Uri responseUrl, CancellationToken cancellationToken)
    {
        var shown = JsonSerializer.Deserialize(JsonSerializer.Serialize(request, ApprovalJsonContext.Default.ApprovalRequest), ApprovalJsonContext.Default.ApprovalRequest)!;
        shown.Outcome = text;
        await UpdateMessageAsync(shown, responseUrl, cancellationToken);
    }

    private static InstanceOutcome Outcome(ApprovalTarget target, string outcome, string message) =>
        new(target.InstanceId, outcome, message) { Account = target.AccountId };

    private static string Expiry(ExpiryAction action) => action == ExpiryAction.Contain ? "isolated" : "dropped";

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>EC2 tag values allow letters, digits, spaces and + - = . _ : / @, up to 256 characters.</summary>
    private static string TagText(string text)
    {
        var clean = new string([.. text.Select(c => char.IsLetterOrDigit(c) || " +-=._:/@".Contains(c, StringComparison.Ordinal) ? c : '_')]);
        return clean.Length <= 256 ? clean : clean[..256];
    }

    [LoggerMessage(2100, LogLevel.Information, "Asked for approval to isolate {InstanceId} (request {RequestId}) until {ExpiresAt}")]
    private static partial void LogAsked(ILogger logger, string requestId, string instanceId, DateTimeOffset expiresAt);

    [LoggerMessage(2101, LogLevel.Warning, "Approval request {RequestId} for {InstanceId}: {Status} by {DecidedBy}")]
    private static partial void LogDecided(ILogger logger, string requestId, string instanceId, ApprovalStatus status, string decidedBy);

    [LoggerMessage(2103, LogLevel.Error, "Isolating {InstanceId} on approval request {RequestId} failed")]
    private static partial void LogIsolationFailed(ILogger logger, Exception exception, string instanceId, string requestId);

    [LoggerMessage(2104, LogLevel.Warning, "The Slack message of approval request {RequestId} could not be updated: {Why}")]
    private static partial void LogNotUpdated(ILogger logger, string requestId, string why);
}
