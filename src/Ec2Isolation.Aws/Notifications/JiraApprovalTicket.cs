using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Configuration;

namespace Ec2Isolation.Aws.Notifications;

/// <summary>
/// The Jira issue of an approval request or a tier's notice (<see cref="IApprovalTicket"/>): opened in the configured
/// project with the facts Slack shows, then commented with the decision. The same client, authentication and document
/// rendering as the <see cref="JiraNotifier"/>, whose notices then comment on the same issue.
/// </summary>
public sealed class JiraApprovalTicket(JiraSettings settings, SsmSecret token, NotificationHttp http) : IApprovalTicket
{
    private readonly JiraClient _jira = new(settings, token, http);

    public Task<string> OpenAsync(string title, string text, IReadOnlyDictionary<string, string> facts, CancellationToken cancellationToken) =>
        _jira.CreateIssueAsync(title, Text(title, text, facts), cancellationToken);

    public Task CommentAsync(string key, string title, string text, IReadOnlyDictionary<string, string> facts, CancellationToken cancellationToken) =>
        _jira.CommentAsync(key, Text(title, text, facts), cancellationToken);

    private static NoticeText Text(string title, string text, IReadOnlyDictionary<string, string> facts) =>
        new(title, text, [.. facts.Select(fact => new NoticeFact(fact.Key, fact.Value))], ReleaseCommand: null);
}
