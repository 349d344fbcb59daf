using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Approvals;

/// <summary>
/// The ticket beside the Slack message (Jira, when configured): a request opens one and keeps its key, its decision is
/// commented on it, and a tier that notifies opens one with the notice. A ticket never holds the approval flow back: a
/// failed or slow call is logged, and the request, the decision and the isolation go on (the isolation's own notifier
/// opens a ticket when the request has none).
/// </summary>
public sealed partial class ApprovalService
{
    /// <summary>
    /// The longest a ticket call may take (the request's Slack message waits for its ticket): Jira Cloud answers in well
    /// under a second, and one that takes longer is treated as failed.
    /// </summary>
    public static readonly TimeSpan TicketTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Opens the request's ticket, before its Slack message; null without a ticket port or when Jira failed.</summary>
    private Task<string?> OpenRequestTicketAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        var title = $"Approval requested: isolate {request.InstanceId} ({request.FindingTitle ?? request.Trigger})";
        var text = $"{request.Reason}. Without a decision by {Time(request.ExpiresAt)} it is {Expiry(request.OnExpiry)}. "
            + "Decide with the Approve or Deny button of the Slack request, or from the command line: "
            + $"ec2-isolation approve|deny {request.InstanceId} --account {request.AccountId} --region {request.Region}";
        var facts = RequestFacts(request);
        facts["Trigger"] = request.Trigger;
        facts["Request"] = request.RequestId;
        facts["Expires"] = $"{Time(request.ExpiresAt)}, then {Expiry(request.OnExpiry)}";
        return OpenTicketAsync(request.InstanceId, title, text, facts, cancellationToken);
    }

    /// <summary>Opens a ticket for a tier's notice; null without a ticket port or when Jira failed.</summary>
    private Task<string?> OpenNoticeTicketAsync(ApprovalTarget target, string title, string text, IReadOnlyDictionary<string, string> facts, CancellationToken cancellationToken)
    {
        var withTrigger = new Dictionary<string, string>(facts) { ["Trigger"] = target.Trigger };
        return OpenTicketAsync(target.InstanceId, title, text, withTrigger, cancellationToken);
    }

    private Task<string?> OpenTicketAsync(string instanceId, string title, string text, IReadOnlyDictionary<string, string> facts, CancellationToken cancellationToken) =>
        CallTicketAsync(instanceId, "open", (port, token) => port.OpenAsync(title, text, facts, token), cancellationToken);

    /// <summary>Comments the recorded decision and what it did on the request's ticket, when it has one.</summary>
    private Task CommentDecisionAsync(ApprovalRequest request, CancellationToken cancellationToken) =>
        CommentAsync(request, $"Approval request for {request.InstanceId}: {request.Status}", request.Outcome ?? string.Empty, cancellationToken);

    /// <summary>Comments <paramref name="text"/> with the request's facts and decision on the request's ticket, when it has one.</summary>
    private async Task CommentAsync(ApprovalRequest request, string title, string text, CancellationToken cancellationToken)
    {
        if (request.TicketKey is not { } key)
        {
            return;
        }

        var facts = RequestFacts(request);
        facts["Request"] = request.RequestId;
        facts["Decided by"] = request.DecidedBy ?? "unknown";
        if (request.DecidedAt is { } decidedAt)
        {
            facts["Decided at"] = Time(decidedAt);
        }

        await CallTicketAsync(
            request.InstanceId,
            "comment on",
            async (port, token) =>
            {
                await port.CommentAsync(key, title, text, facts, token);
                return key;
            },
            cancellationToken);
    }

    /// <summary>One call to the ticket port, bounded by <see cref="TicketTimeout"/>; null without a port, or when it failed (logged).</summary>
    private async Task<string?> CallTicketAsync(
        string instanceId, string action, Func<IApprovalTicket, CancellationToken, Task<string>> call, CancellationToken cancellationToken)
    {
        if (ticket is null)
        {
            return null;
        }

        using var bounded = new CancellationTokenSource(TicketTimeout, time);
        using var token = CancellationTokenSource.CreateLinkedTokenSource(bounded.Token, cancellationToken);
        try
        {
            return await call(ticket, token.Token);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogTicketFailed(logger, instanceId, action, e is OperationCanceledException ? $"no answer within {TicketTimeout.TotalSeconds} s" : e.Message);
            return null;
        }
    }

    private static Dictionary<string, string> RequestFacts(ApprovalRequest request) =>
        Facts(request.AccountId, request.Region, request.InstanceId, request.FindingTitle, request.Severity, request.Evidence);

    [LoggerMessage(2140, LogLevel.Error, "Could not {Action} the ticket of {InstanceId}'s approval request or notice ({Why}); Slack and the approval flow go on without it")]
    private static partial void LogTicketFailed(ILogger logger, string instanceId, string action, string why);
}
