using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Ec2Isolation.Core.Configuration;

namespace Ec2Isolation.Aws.Notifications;

/// <summary>
/// Jira Cloud's REST API v3 as the notifier and the approval ticket use it: create an issue (its key is the answer) and
/// comment on one, each text rendered as an Atlassian Document Format document. Basic authentication with the account's
/// email and an API token read from an SSM SecureString parameter; neither ever appears in an error.
/// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post
/// https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-comments/#api-rest-api-3-issue-issueidorkey-comment-post
/// </summary>
internal sealed class JiraClient(JiraSettings settings, SsmSecret token, NotificationHttp http)
{
    public const string Receiver = "jira";

    /// <summary>The longest summary Jira accepts.</summary>
    private const int MaxSummary = 255;

    /// <summary>Opens an issue in the configured project; returns its key.</summary>
    public async Task<string> CreateIssueAsync(string summary, NoticeText text, CancellationToken cancellationToken)
    {
        var issue = new JiraIssueRequest(new JiraIssueFields(
            new JiraReference(Key: settings.ProjectKey),
            new JiraReference(Name: settings.IssueType),
            summary.Length <= MaxSummary ? summary : summary[..MaxSummary],
            Document(text)));
        return CreatedKey(await PostAsync("issue", JsonSerializer.Serialize(issue, NotificationJsonContext.Default.JiraIssueRequest), cancellationToken));
    }

    /// <summary>Comments on the issue <paramref name="key"/>.</summary>
    public async Task CommentAsync(string key, NoticeText text, CancellationToken cancellationToken)
    {
        var comment = JsonSerializer.Serialize(new JiraCommentRequest(Document(text)), NotificationJsonContext.Default.JiraCommentRequest);
        await PostAsync($"issue/{Uri.EscapeDataString(key)}/comment", comment, cancellationToken);
    }

    private async Task<string> PostAsync(string path, string json, CancellationToken cancellationToken)
    {
        var secret = await token.GetAsync(cancellationToken);
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.User}:{secret}"));
        return await http.PostJsonAsync(
            Receiver, new Uri(settings.SiteUrl, "rest/api/3/" + path), json, new AuthenticationHeaderValue("Basic", credentials), [secret, credentials], cancellationToken);
    }

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

    /// <summary>The text as an Atlassian Document Format document: title, summary, the facts as a list, the release command as code.</summary>
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
