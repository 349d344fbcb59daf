using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Notifications;

namespace Ec2Isolation.Aws.Notifications;

/// <summary>
/// Jira Cloud (REST API v3): opens an issue for an isolation, then comments on it at each later notice. The issue key
/// is the receipt, so that the engine records it and tags the instance with it. A notice for a record that names no
/// issue yet opens one, whatever its kind: an isolation whose first notice was lost still gets its ticket. Basic
/// authentication with the account's email and an API token read from an SSM SecureString parameter.
/// </summary>
public sealed class JiraNotifier(JiraSettings settings, SsmSecret token, NotificationHttp http) : IIsolationNotifier
{
    /// <summary>The longest summary Jira accepts.</summary>
    private const int MaxSummary = 255;

    public string Name => "jira";

    public async Task<NotificationReceipt> NotifyAsync(IsolationNotice notice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var secret = await token.GetAsync(cancellationToken);
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.User}:{secret}"));
        var authorization = new AuthenticationHeaderValue("Basic", credentials);
        var text = NoticeText.For(notice);
        var document = Document(text);
        string[] secrets = [secret, credentials];

        if (notice.Record.TicketKey is { } key)
        {
            var comment = JsonSerializer.Serialize(new JiraCommentRequest(document), NotificationJsonContext.Default.JiraCommentRequest);
            await http.PostJsonAsync(Name, Api($"issue/{Uri.EscapeDataString(key)}/comment"), comment, authorization, secrets, cancellationToken);
            return new NotificationReceipt(key);
        }

        var summary = $"{text.Title} (incident {notice.Record.IncidentId})";
        var issue = new JiraIssueRequest(new JiraIssueFields(
            new JiraReference(Key: settings.ProjectKey),
            new JiraReference(Name: settings.IssueType),
            summary.Length <= MaxSummary ? summary : summary[..MaxSummary],
            document));
        var answer = await http.PostJsonAsync(
            Name, Api("issue"), JsonSerializer.Serialize(issue, NotificationJsonContext.Default.JiraIssueRequest), authorization, secrets, cancellationToken);
        return new NotificationReceipt(CreatedKey(answer));
    }

    private Uri Api(string path) => new(settings.SiteUrl, "rest/api/3/" + path);

    private static string CreatedKey(string answer)
    {
        try
        {
            if (JsonSerializer.Deserialize(answer, NotificationJsonContext.Default.JiraCreatedIssue)?.Key is { Length: > 0 } key)
            {
                return key;
            }
        }
        catch (JsonException)
        {
        }

        throw new NotificationException("jira created an issue but did not answer with its key.");
    }

    /// <summary>The notice as an Atlassian Document Format document: title, summary, the facts as a list, the release command as code.</summary>
    internal static AdfNode Document(NoticeText text)
    {
        List<AdfNode> content =
        [
            Paragraph(Text(text.Title, strong: true)),
            Paragraph(Text(text.Summary)),
            new("bulletList", Content: [.. text.Facts.Select(fact =>
                new AdfNode("listItem", Content: [Paragraph(Text(fact.Label + ": ", strong: true), Text(fact.Value))]))]),
        ];
        if (text.ReleaseCommand is { } command)
        {
            content.Add(Paragraph(Text("To release:")));
            content.Add(new("codeBlock", Content: [Text(command)]));
        }

        return new AdfNode("doc", Version: 1, Content: content);
    }

    private static AdfNode Paragraph(params AdfNode[] content) => new("paragraph", Content: content);

    /// <summary>A text node; ADF refuses empty ones.</summary>
    private static AdfNode Text(string text, bool strong = false) =>
        new("text", Text: text.Length == 0 ? "-" : text, Marks: strong ? [new AdfMark("strong")] : null);
}
