using System.Text.Json;
using System.Text.Json.Serialization;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Configuration;

namespace Ec2Isolation.Aws.Notifications;

/// <summary>
/// <see cref="IApprovalChannel"/> over the Slack app's incoming webhook (the notifier's SSM parameter). A message with
/// buttons needs a Slack app with interactivity on: Slack then posts each click to the app's request URL with a
/// <c>response_url</c> that replaces the original message (<c>replace_original</c>), so that no bot token is needed
/// (https://api.slack.com/interactivity/handling#message_responses; buttons: https://api.slack.com/reference/block-kit/block-elements#button,
/// whose <c>value</c> is at most 2000 characters).
/// </summary>
public sealed class SlackApprovalChannel(SsmSecret webhook, NotificationHttp http) : IApprovalChannel
{
    private const string Receiver = "slack";

    public Task PostRequestAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PostToWebhookAsync(RequestMessage(request), cancellationToken);
    }

    public Task PostNoticeAsync(string title, string text, IReadOnlyDictionary<string, string> facts, CancellationToken cancellationToken) =>
        PostToWebhookAsync(Message(title, text, facts, buttons: null, replaceOriginal: null), cancellationToken);

    public async Task UpdateRequestAsync(ApprovalRequest request, Uri responseUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseUrl);
        var message = Message(
            $"{request.InstanceId}: {request.Status} by {request.DecidedBy}",
            request.Outcome ?? string.Empty,
            Facts(request),
            buttons: null,
            replaceOriginal: true);
        // Whoever holds a response URL may post to the channel: it is cut out of every error, as the webhook is.
        await http.PostJsonAsync(Receiver, responseUrl, Serialize(message), authorization: null, [responseUrl.AbsoluteUri, responseUrl.AbsolutePath], cancellationToken);
    }

    internal static SlackApprovalMessage RequestMessage(ApprovalRequest request) => Message(
        $"Approve isolating EC2 instance {request.InstanceId}?",
        $"{request.Reason}. Without a decision by {ApprovalService.Time(request.ExpiresAt)} it is "
            + (request.OnExpiry == ExpiryAction.Contain ? "isolated anyway." : "dropped: nothing changes."),
        Facts(request),
        [
            new("button", new("plain_text", "Approve"), SlackInteractionEndpoint.ApproveAction, request.ButtonValue, "danger"),
            new("button", new("plain_text", "Deny"), SlackInteractionEndpoint.DenyAction, request.ButtonValue, null),
        ],
        replaceOriginal: null);

    private static Dictionary<string, string> Facts(ApprovalRequest request)
    {
        var facts = ApprovalService.Facts(request.AccountId, request.Region, request.InstanceId, request.FindingTitle, request.Severity, request.Evidence);
        if (request.TicketKey is { } ticket)
        {
            // Opened before the message is posted: responders find the request's ticket from Slack.
            facts["Ticket"] = ticket;
        }

        return facts;
    }

    private static SlackApprovalMessage Message(
        string title, string text, IReadOnlyDictionary<string, string> facts, IReadOnlyList<SlackButton>? buttons, bool? replaceOriginal)
    {
        var lines = string.Join("\n", facts.Select(fact => $"*{fact.Key}:* {SlackNotifier.Escape(fact.Value)}"));
        List<SlackApprovalBlock> blocks =
        [
            new("header", Text: new("plain_text", SlackNotifier.Limit(title, 150))),
            new("section", Text: new("mrkdwn", SlackNotifier.Limit(SlackNotifier.Escape(text), 3000))),
            new("section", Text: new("mrkdwn", SlackNotifier.Limit(lines, 3000))),
        ];
        if (buttons is not null)
        {
            blocks.Add(new("actions", BlockId: "decision", Elements: buttons));
        }

        return new($"{title}: {text}", blocks, replaceOriginal);
    }

    private async Task PostToWebhookAsync(SlackApprovalMessage message, CancellationToken cancellationToken)
    {
        var value = await webhook.GetAsync(cancellationToken);
        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || !NotificationUrls.IsAllowed(url))
        {
            throw new NotificationException($"SSM parameter {webhook.ParameterName} does not hold an https webhook URL (its value is not repeated here).");
        }

        await http.PostJsonAsync(Receiver, url, Serialize(message), authorization: null, [value, url.AbsoluteUri, url.AbsolutePath], cancellationToken);
    }

    private static string Serialize(SlackApprovalMessage message) => JsonSerializer.Serialize(message, SlackApprovalJsonContext.Default.SlackApprovalMessage);
}

/// <summary>A Slack message with blocks; <c>replace_original</c> when it answers through a response URL.</summary>
internal sealed record SlackApprovalMessage(string Text, IReadOnlyList<SlackApprovalBlock> Blocks, bool? ReplaceOriginal);

internal sealed record SlackApprovalBlock(string Type, SlackText? Text = null, string? BlockId = null, IReadOnlyList<SlackButton>? Elements = null);

/// <param name="Style"><c>primary</c>, <c>danger</c>, or none.</param>
internal sealed record SlackButton(string Type, SlackText Text, string ActionId, string Value, string? Style);

/// <summary>Slack's field names are snake_case (action_id, block_id, replace_original).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SlackApprovalMessage))]
internal sealed partial class SlackApprovalJsonContext : JsonSerializerContext;
