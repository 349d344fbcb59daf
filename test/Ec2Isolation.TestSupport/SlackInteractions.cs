using System.Globalization;
using System.Text.Json.Nodes;
using Ec2Isolation.Core.Approvals;

namespace Ec2Isolation.TestSupport;

/// <summary>
/// Slack's block_actions interaction as it posts it to the interactivity URL: <c>payload=</c> and the JSON, form-encoded,
/// signed with the app's signing secret (https://api.slack.com/reference/interaction-payloads/block-actions).
/// </summary>
public static class SlackInteractions
{
    public const string SigningSecret = "8f742231b10e8888abcd99yyyzzz85a5";
    public const string Approver = "U0APPROVER1";

    /// <summary>The form body of a click on <paramref name="actionId"/> (approve or deny) of a request's button.</summary>
    public static string Body(string actionId, string buttonValue, string userId = Approver, string? responseUrl = null)
    {
        var payload = new JsonObject
        {
            ["type"] = "block_actions",
            ["user"] = new JsonObject { ["id"] = userId, ["username"] = "responder", ["team_id"] = "T0TEAM" },
            ["response_url"] = responseUrl,
            ["actions"] = new JsonArray(new JsonObject
            {
                ["type"] = "button",
                ["action_id"] = actionId,
                ["block_id"] = "decision",
                ["value"] = buttonValue,
                ["action_ts"] = "1764064800.000100",
            }),
        };
        return "payload=" + Uri.EscapeDataString(payload.ToJsonString());
    }

    /// <summary>The headers Slack sends with <paramref name="body"/> at <paramref name="at"/>, signed with <paramref name="secret"/>.</summary>
    public static Dictionary<string, string> Headers(string body, DateTimeOffset at, string secret = SigningSecret)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return new(StringComparer.Ordinal)
        {
            ["content-type"] = "application/x-www-form-urlencoded",
            [SlackSignature.TimestampHeader] = timestamp,
            [SlackSignature.SignatureHeader] = SlackSignature.Sign(secret, timestamp, body),
        };
    }
}
