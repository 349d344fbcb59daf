using Ec2Isolation.Core.Events;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Approvals;

/// <summary>
/// The sweep's part in pending requests: each tier's time-out applied once to the requests nobody answered (the tickets
/// that failed to open are the sweep's too, after its containment: ApprovalService.LateTickets.cs).
/// </summary>
public sealed partial class ApprovalService
{
    /// <summary>Applies the time-out of every pending request past its expiry: contain or drop, each once, each told to the channel.</summary>
    public async Task<IReadOnlyList<InstanceOutcome>> ExpireAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var outcomes = new List<InstanceOutcome>();
        foreach (var request in (await store.ListPendingAsync(cancellationToken)).Where(r => r.IsExpired(now)))
        {
            if (!await ClaimAsync(request, ApprovalStatus.Expired, TimeOut, now, cancellationToken))
            {
                continue;
            }

            LogExpired(logger, request.RequestId, request.InstanceId, request.OnExpiry);
            var (contained, _, text) = request.OnExpiry == ExpiryAction.Contain
                ? await IsolateAsync(request, cancellationToken)
                : (false, false, $"Nobody decided by {Time(request.ExpiresAt)}; the request was dropped and nothing was changed.");
            request.Outcome = text;
            await SaveOutcomeAsync(request, cancellationToken);
            await channel.PostNoticeAsync(
                $"Approval request for {request.InstanceId} expired",
                request.Outcome,
                Facts(request.AccountId, request.Region, request.InstanceId, request.FindingTitle, request.Severity, request.Evidence),
                cancellationToken);
            // A time-out's isolation that failed fails the sweep (the alarm fires); the trigger tag lets the next sweep finish it.
            var outcome = request.OnExpiry == ExpiryAction.Drop ? Outcomes.Ignored : contained ? Outcomes.Isolated : Outcomes.Failed;
            outcomes.Add(new InstanceOutcome(request.InstanceId, outcome, text) { Account = request.AccountId, Error = outcome == Outcomes.Failed ? text : null });
        }

        return outcomes;
    }

    [LoggerMessage(2102, LogLevel.Warning, "Approval request {RequestId} for {InstanceId} expired; {OnExpiry}")]
    private static partial void LogExpired(ILogger logger, string requestId, string instanceId, ExpiryAction onExpiry);
}
