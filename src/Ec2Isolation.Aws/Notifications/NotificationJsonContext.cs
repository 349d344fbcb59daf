using System.Text.Json.Serialization;

namespace Ec2Isolation.Aws.Notifications;

/// <summary>A Slack message: the text is what notifications show, the blocks what the channel shows.</summary>
internal sealed record SlackMessage(string Text, IReadOnlyList<SlackBlock> Blocks);

internal sealed record SlackBlock(string Type, SlackText Text);

/// <param name="Type"><c>plain_text</c> or <c>mrkdwn</c>.</param>
internal sealed record SlackText(string Type, string Text);

/// <summary>POST /rest/api/3/issue.</summary>
internal sealed record JiraIssueRequest(JiraIssueFields Fields);

internal sealed record JiraIssueFields(JiraReference Project, JiraReference Issuetype, string Summary, AdfNode Description);

internal sealed record JiraReference(string? Key = null, string? Name = null);

/// <summary>POST /rest/api/3/issue/{key}/comment.</summary>
internal sealed record JiraCommentRequest(AdfNode Body);

/// <summary>What Jira answers to a created issue (id and self left out).</summary>
internal sealed record JiraCreatedIssue(string? Key);

/// <summary>A node of an Atlassian Document Format document (doc, paragraph, text, bulletList, listItem, codeBlock).</summary>
internal sealed record AdfNode(string Type, int? Version = null, string? Text = null, IReadOnlyList<AdfNode>? Content = null, IReadOnlyList<AdfMark>? Marks = null);

internal sealed record AdfMark(string Type);

/// <summary>Source-generated JSON for Slack and Jira (no reflection: the Lambda is Native AOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SlackMessage))]
[JsonSerializable(typeof(JiraIssueRequest))]
[JsonSerializable(typeof(JiraCommentRequest))]
[JsonSerializable(typeof(JiraCreatedIssue))]
internal sealed partial class NotificationJsonContext : JsonSerializerContext;
