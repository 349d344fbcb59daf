using Ec2Isolation.Core;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Isolation;

namespace Ec2Isolation.Cli;

/// <summary>The approval requests of the account and region a command acts in; the analyst's own ARN decides.</summary>
internal sealed class ApprovalCommands(ApprovalService approvals, string accountId, string region, Func<CancellationToken, Task<string>> caller)
{
    public Task<ApprovalRequest?> GetAsync(string instanceId, CancellationToken cancellationToken) =>
        approvals.GetAsync(accountId, region, InstanceIds.Validate(instanceId), cancellationToken);

    /// <summary>Decides the instance's pending request; bad input (nothing changed) when it has none pending.</summary>
    public async Task<ApprovalAnswer> DecideAsync(string instanceId, bool approve, CancellationToken cancellationToken)
    {
        var request = await GetAsync(instanceId, cancellationToken)
            ?? throw new InvalidRequestException($"{instanceId} has no approval request in {accountId} {region}; nothing changed.");
        if (request.Status != ApprovalStatus.Pending)
        {
            throw new ApprovalNotPendingException(
                $"{instanceId}'s approval request {request.RequestId} is not pending: {request.Status} by {request.DecidedBy}; nothing changed.");
        }

        var answer = await approvals.DecideAsync(
            new ApprovalClick(request.ButtonValue, approve, await caller(cancellationToken), ResponseUrl: null), cancellationToken);
        return answer.Accepted ? answer : throw new ApprovalNotPendingException(answer.Message);
    }
}

/// <summary>The request was decided before, expired, or was decided by someone else at the same moment: nothing changed (<see cref="ExitCodes.ApprovalNotPending"/>).</summary>
internal sealed class ApprovalNotPendingException(string message) : Exception(message);
