namespace Ec2Isolation.Core.Approvals;

/// <summary>
/// The ticket of an approval request or a notice (Jira), beside its Slack message: opened when the request is posted or
/// the tier notifies, commented on when the request is decided. Throws on failure with a message that names no secret;
/// the <see cref="ApprovalService"/> logs it and goes on (a ticket never holds the approval flow back).
/// </summary>
public interface IApprovalTicket
{
    /// <summary>Opens a ticket; returns its key (e.g. <c>SEC-42</c>).</summary>
    Task<string> OpenAsync(string title, string text, IReadOnlyDictionary<string, string> facts, CancellationToken cancellationToken);

    /// <summary>Comments on the ticket <paramref name="key"/>.</summary>
    Task CommentAsync(string key, string title, string text, IReadOnlyDictionary<string, string> facts, CancellationToken cancellationToken);
}
