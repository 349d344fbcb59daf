using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Approvals;

namespace Ec2Isolation.Core.Events;

/// <summary>
/// Decisions handed off by Slack's interaction URL (<see cref="ApprovalHandOff"/>): each acted on once, as the request's
/// record says, in an invocation whose result goes to the result bus like any other's.
/// </summary>
public sealed partial class IsolationEventProcessor
{
    /// <summary>
    /// Isolates an approved request's instance through the engine (the approver as RequestedBy, the same record and steps),
    /// or reports a denial; a request replaced, not decided, expired or acted on before changes nothing. A failed
    /// isolation is shown in the Slack message and on the ticket, then fails the invocation (Lambda retries it; the sweep
    /// takes the decision over); busy leaves the decision to the run that holds the record.
    /// </summary>
    private async Task<EventResult> OnApprovalDecidedAsync(AccountServices services, IsolationEvent.ApprovalDecided decided, CancellationToken cancellationToken)
    {
        var kind = decided.Kind;
        if (approvals is null)
        {
            LogIgnored(logger, kind, "approvals are not configured");
            return Ignored(decided, kind, decided.InstanceId, "Approvals are not configured here; nothing changed.");
        }

        var (request, why) = await approvals.DecidedNotActedAsync(decided.Account, decided.Region, decided.InstanceId, decided.RequestId, cancellationToken);
        if (request is null)
        {
            LogIgnored(logger, kind, why);
            return Ignored(decided, kind, decided.InstanceId, why);
        }

        InstanceOutcome outcome;
        try
        {
            outcome = request.Status == ApprovalStatus.Denied
                ? new InstanceOutcome(request.InstanceId, Outcomes.Denied, $"Denied by {request.DecidedBy}: nothing was changed.")
                : await IsolateAsync(decided, services.Isolation, approvals.IsolationRequestFor(request), cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Shown at once in Slack and on the ticket, then failed as before: Lambda retries the invocation
            // (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html) and the decision, still
            // unacted, is the sweep's otherwise. Nothing is reopened.
            await approvals.ReportNotIsolatedAsync(request, e, decided.ResponseUrl, cancellationToken);
            throw;
        }

        if (outcome.Outcome != Outcomes.Busy)
        {
            await approvals.RecordActedAsync(
                request, request.Status == ApprovalStatus.Denied ? outcome.Message : $"{request.Status} by {request.DecidedBy}: {outcome.Message}", decided.ResponseUrl, cancellationToken);
        }

        return Single(decided, kind, outcome) with { Approval = new ApprovalDecision(request.RequestId, request.Status, request.DecidedBy!, request.DecidedAt!.Value) };
    }
}
