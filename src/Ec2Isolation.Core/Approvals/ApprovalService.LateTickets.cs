using Ec2Isolation.Core.Ports;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Approvals;

/// <summary>
/// A pending request whose ticket failed to open (Jira down or slow when it was asked) gets it later: from the next event
/// for it (<see cref="AskAsync"/> finding it pending) or from the sweep, a few per pass. The key is kept with a write
/// conditional on the version read, so that a decision made meanwhile wins (the decision's own write, made on top of
/// the key when the key came first, is <see cref="ClaimAsync"/>'s); a ticket that lost is told so in a comment, never
/// left silently beside the request's.
/// </summary>
public sealed partial class ApprovalService
{
    /// <summary>
    /// The most late tickets one sweep pass opens: each may wait <see cref="TicketTimeout"/> on a Jira that is down, and
    /// the sweep has containment to do; the rest are opened by the next passes, the oldest requests first.
    /// </summary>
    public const int LateTicketsPerSweep = 3;

    /// <summary>How often a decision is tried again on top of a pending request written meanwhile (its late ticket's key).</summary>
    private const int MaxClaimAttempts = 3;

    /// <summary>
    /// The sweep's last part, after its containment: opens the tickets of a few pending requests posted without one (the
    /// oldest first). Never throws: a ticket is worth no containment, so a failure (Jira, or the request table) is logged
    /// and left for the next pass.
    /// </summary>
    public async Task OpenLateTicketsAsync(CancellationToken cancellationToken)
    {
        if (ticket is null)
        {
            return;
        }

        try
        {
            var now = time.GetUtcNow();
            var late = (await store.ListPendingAsync(cancellationToken)).Where(r => !r.IsExpired(now) && NeedsLateTicket(r));
            foreach (var request in late.OrderBy(r => r.RequestedAt).Take(LateTicketsPerSweep))
            {
                await OpenLateTicketAsync(request, cancellationToken);
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogLateTicketsNotOpened(logger, e.Message);
        }
    }

    /// <summary>
    /// Opens the ticket of a pending request posted without one, and keeps its key (conditional on the version read).
    /// When the write conflicts, the request is read again: still pending without a key, the key is kept on what was
    /// read; decided, replaced or given another ticket meanwhile, this ticket is not the request's, and a comment on it
    /// says so. Never opens a second ticket without reading the request again.
    /// </summary>
    private async Task OpenLateTicketAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        if (ticket is null || !NeedsLateTicket(request) || await OpenRequestTicketAsync(request, cancellationToken) is not { } key)
        {
            return;
        }

        var current = request;
        for (var attempt = 1; attempt <= MaxClaimAttempts; attempt++)
        {
            try
            {
                if (attempt > 1)
                {
                    // The last write conflicted: what is the request now?
                    var reread = await store.GetAsync(request.AccountId, request.Region, request.InstanceId, cancellationToken);
                    if (reread is null || reread.RequestId != request.RequestId || reread.Status != ApprovalStatus.Pending || reread.TicketKey is not null)
                    {
                        await DisownLateTicketAsync(request, key, reread, cancellationToken);
                        return;
                    }

                    current = reread;
                }

                var read = current.Version;
                current.TicketKey = key;
                current.Version = read + 1;
                await store.PutAsync(current, read, cancellationToken);
                LogLateTicket(logger, key, request.RequestId, request.InstanceId);
                return;
            }
            catch (RecordConflictException)
            {
                // Read again on the next attempt.
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // The request stands without its key: a later pass may open a second ticket, which this log line explains.
                LogLateTicketNotKept(logger, key, request.RequestId, request.InstanceId, e.Message);
                return;
            }
        }

        LogLateTicketNotKept(logger, key, request.RequestId, request.InstanceId, "the request kept changing meanwhile");
    }

    /// <summary>A pending request, posted (an unposted one gets its ticket when it is posted), whose ticket did not open.</summary>
    private static bool NeedsLateTicket(ApprovalRequest request) =>
        request is { Status: ApprovalStatus.Pending, PostedAt: not null, TicketKey: null };

    /// <summary>Says on a late ticket that it is not the request's (decided or replaced meanwhile, or another ticket kept), and why.</summary>
    private async Task DisownLateTicketAsync(ApprovalRequest request, string key, ApprovalRequest? current, CancellationToken cancellationToken)
    {
        var why = current switch
        {
            null => $"approval request {request.RequestId} of {request.InstanceId} no longer exists",
            _ when current.RequestId != request.RequestId => $"approval request {request.RequestId} of {request.InstanceId} was replaced by request {current.RequestId}",
            { TicketKey: { } other } => $"{other} was opened for approval request {request.RequestId} at the same moment and is its ticket",
            _ => $"approval request {request.RequestId} was {current.Status} by {current.DecidedBy} while this ticket was opened",
        };
        LogLateTicketDisowned(logger, key, request.RequestId, why);
        await CallTicketAsync(
            request.InstanceId,
            "comment on",
            async (port, token) =>
            {
                await port.CommentAsync(key, $"Not the ticket of approval request {request.RequestId}", $"This ticket is not used: {why}.", RequestFacts(request), token);
                return key;
            },
            cancellationToken);
    }

    [LoggerMessage(2141, LogLevel.Information, "Opened ticket {TicketKey} for approval request {RequestId} of {InstanceId}, whose ticket had failed to open")]
    private static partial void LogLateTicket(ILogger logger, string ticketKey, string requestId, string instanceId);

    [LoggerMessage(2142, LogLevel.Error, "Opened ticket {TicketKey} for approval request {RequestId} of {InstanceId} but could not keep its key ({Why}); a later pass may open another")]
    private static partial void LogLateTicketNotKept(ILogger logger, string ticketKey, string requestId, string instanceId, string why);

    [LoggerMessage(2143, LogLevel.Warning, "Ticket {TicketKey}, opened late for approval request {RequestId}, is not its ticket: {Why}")]
    private static partial void LogLateTicketDisowned(ILogger logger, string ticketKey, string requestId, string why);

    [LoggerMessage(2144, LogLevel.Warning, "The sweep opened no late tickets this pass: {Why}")]
    private static partial void LogLateTicketsNotOpened(ILogger logger, string why);
}
