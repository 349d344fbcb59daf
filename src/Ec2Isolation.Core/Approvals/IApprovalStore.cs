namespace Ec2Isolation.Core.Approvals;

/// <summary>Approval requests, one current request per instance, in the deployment's record table.</summary>
public interface IApprovalStore
{
    Task<ApprovalRequest?> GetAsync(string accountId, string region, string instanceId, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the request. With <paramref name="expectedVersion"/> null no request may exist for the instance yet;
    /// otherwise the stored one must be at that version. Throws <see cref="Ports.RecordConflictException"/> when not.
    /// </summary>
    Task PutAsync(ApprovalRequest request, long? expectedVersion, CancellationToken cancellationToken);

    /// <summary>Every pending request, of every account.</summary>
    Task<IReadOnlyList<ApprovalRequest>> ListPendingAsync(CancellationToken cancellationToken);

    /// <summary>Every request approved or denied whose decision nobody acted on yet (no <see cref="ApprovalRequest.Outcome"/>), of every account.</summary>
    Task<IReadOnlyList<ApprovalRequest>> ListDecidedNotActedAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Where approval requests and notices are posted (Slack): the request with Approve and Deny buttons carrying
/// <see cref="ApprovalRequest.ButtonValue"/>, and the message updated once decided. Throws on failure with a message
/// that names no secret.
/// </summary>
public interface IApprovalChannel
{
    Task PostRequestAsync(ApprovalRequest request, CancellationToken cancellationToken);

    /// <summary>A tier that notifies, or a request that expired: a message without buttons.</summary>
    Task PostNoticeAsync(string title, string text, IReadOnlyDictionary<string, string> facts, CancellationToken cancellationToken);

    /// <summary>Replaces the request's message with its decision, through the interaction's <c>response_url</c>.</summary>
    Task UpdateRequestAsync(ApprovalRequest request, Uri responseUrl, CancellationToken cancellationToken);
}
