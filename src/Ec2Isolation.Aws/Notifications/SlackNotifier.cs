using System.Text.Json;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Notifications;

namespace Ec2Isolation.Aws.Notifications;

/// <summary>
/// Posts each notice to a Slack incoming webhook. The webhook URL is a secret (whoever has it may post to the channel):
/// it comes from an SSM SecureString parameter, and no error, log line or record ever holds it.
/// </summary>
public sealed class SlackNotifier(SsmSecret webhook, NotificationHttp http) : IIsolationNotifier
{
    /// <summary>The longest text of a section block Slack accepts.</summary>
    private const int MaxSectionText = 3000;

    public string Name => "slack";

    public async Task<NotificationReceipt> NotifyAsync(IsolationNotice notice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var value = await webhook.GetAsync(cancellationToken);
        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || !NotificationUrls.IsAllowed(url))
        {
            throw new NotificationException(
                $"SSM parameter {webhook.ParameterName} does not hold an https webhook URL (its value is not repeated here).");
        }

        var json = JsonSerializer.Serialize(Message(NoticeText.For(notice)), NotificationJsonContext.Default.SlackMessage);
        await http.PostJsonAsync(Name, url, json, authorization: null, [value, url.AbsoluteUri, url.AbsolutePath], cancellationToken);
        return new NotificationReceipt();
    }

    internal static SlackMessage Message(NoticeText text)
    {
        var facts = string.Join("\n", text.Facts.Select(fact => $"*{fact.Label}:* {Escape(fact.Value)}"));
        List<SlackBlock> blocks =
        [
            new("header", new SlackText("plain_text", Limit(text.Title, 150))),
            new("section", new SlackText("mrkdwn", Limit(Escape(text.Summary), MaxSectionText))),
            new("section", new SlackText("mrkdwn", Limit(facts, MaxSectionText))),
        ];
        if (text.ReleaseCommand is { } command)
        {
            blocks.Add(new("section", new SlackText("mrkdwn", $"To release:\n```{command}```")));
        }

        return new SlackMessage($"{text.Title}: {text.Summary}", blocks);
    }

    /// <summary>The three characters Slack's mrkdwn reserves.</summary>
    internal static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    internal static string Limit(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
