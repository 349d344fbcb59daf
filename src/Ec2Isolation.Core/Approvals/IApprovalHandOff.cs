using System.Text;
using System.Text.Json;

namespace Ec2Isolation.Core.Approvals;

/// <summary>
/// Hands a decision made through Slack's interaction URL on to an invocation of its own, so that the URL answers Slack
/// within its 3 seconds (https://docs.slack.dev/tools/bolt-js/concepts/acknowledge) while the isolation runs as long as
/// it needs (the Lambda: an asynchronous Invoke of the function itself). Throws when the hand-off was not accepted.
/// </summary>
public interface IApprovalHandOff
{
    Task HandOffAsync(ApprovalHandOff handOff, CancellationToken cancellationToken);
}

/// <summary>
/// A decided request to act on: the event the handed-off invocation receives (source <see cref="Source"/>, detail-type
/// <see cref="DetailType"/>). It names the request only; what to do is read again from the request's durable record, so
/// that a stale, repeated or forged hand-off changes nothing that an approver did not decide.
/// </summary>
/// <param name="ResponseUrl">Slack's <c>response_url</c> of the click, where the message shows the decision and its result; null when none.</param>
public sealed record ApprovalHandOff(string RequestId, string AccountId, string Region, string InstanceId, DateTimeOffset DecidedAt, Uri? ResponseUrl)
{
    public const string Source = "ec2-isolation.approvals";
    public const string DetailType = "Approval Decided";

    /// <summary>The event, in EventBridge's envelope (so that the event parser's checks apply to it as to any other).</summary>
    public string ToEventJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            WriteMembers(json);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The members of the event's JSON object.</summary>
    public void WriteMembers(Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteString("version", "0");
        json.WriteString("id", $"{RequestId}-decided");
        json.WriteString("source", Source);
        json.WriteString("detail-type", DetailType);
        json.WriteString("account", AccountId);
        json.WriteString("region", Region);
        json.WriteString("time", DecidedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteStartArray("resources");
        json.WriteEndArray();
        json.WriteStartObject("detail");
        json.WriteString("requestId", RequestId);
        json.WriteString("instanceId", InstanceId);
        if (ResponseUrl is not null)
        {
            json.WriteString("responseUrl", ResponseUrl.AbsoluteUri);
        }

        json.WriteEndObject();
    }
}
