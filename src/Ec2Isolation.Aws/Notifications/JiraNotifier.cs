using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Notifications;

namespace Ec2Isolation.Aws.Notifications;

/// <summary>
/// Jira Cloud (REST API v3): opens an issue for an isolation, then comments on it at each later notice. The issue key
/// is the receipt, so that the engine records it and tags the instance with it. A notice for a record that names no
/// issue yet opens one, whatever its kind: an isolation whose first notice was lost still gets its ticket; a record that
/// starts with its approval request's issue is commented there. Basic authentication with the account's email and an
/// API token read from an SSM SecureString parameter (<see cref="JiraClient"/>).
/// </summary>
public sealed class JiraNotifier(JiraSettings settings, SsmSecret token, NotificationHttp http) : IIsolationNotifier
{
    private readonly JiraClient _jira = new(settings, token, http);

    public string Name => JiraClient.Receiver;

    public async Task<NotificationReceipt> NotifyAsync(IsolationNotice notice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var text = NoticeText.For(notice);
        if (notice.Record.TicketKey is { } key)
        {
            await _jira.CommentAsync(key, text, cancellationToken);
            return new NotificationReceipt(key);
        }

        return new NotificationReceipt(await _jira.CreateIssueAsync($"{text.Title} (incident {notice.Record.IncidentId})", text, cancellationToken));
    }
}
