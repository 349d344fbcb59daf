using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ec2Isolation.Core.Approvals;

namespace Ec2Isolation.Aws.Notifications;

/// <summary>
/// <see cref="IApproverDirectory"/> over Slack's Web API method usergroups.users.list
/// (https://api.slack.com/methods/usergroups.users.list): the Slack app's bot token (scope <c>usergroups:read</c>), read
/// from an SSM SecureString parameter, goes as a Bearer Authorization header; the group id goes form-encoded (the method
/// "does not currently accept application/json"); one call lists every member (no pagination). Slack answers errors
/// with HTTP 200 and <c>"ok": false</c> (<c>no_such_subteam</c>, <c>invalid_auth</c>, <c>not_authed</c>,
/// <c>account_inactive</c>, <c>missing_scope</c>, <c>plan_upgrade_required</c>...), and rate limiting (the method is Tier 2,
/// 20+ a minute) with HTTP 429 and Retry-After (https://api.slack.com/docs/rate-limits), which <see cref="NotificationHttp"/> honours.
/// </summary>
public sealed class SlackApproverDirectory(SsmSecret botToken, NotificationHttp http, Uri apiBase) : IApproverDirectory
{
    /// <summary>Slack's Web API.</summary>
    public static readonly Uri SlackApi = new("https://slack.com/api/");

    private const string Receiver = "slack";

    /// <summary>The errors that say the token itself is refused (https://api.slack.com/methods/usergroups.users.list, Errors).</summary>
    private static readonly HashSet<string> RefusedToken = new(StringComparer.Ordinal) { "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired" };

    public async Task<IReadOnlySet<string>> MembersAsync(string groupId, CancellationToken cancellationToken)
    {
        string token;
        try
        {
            token = await botToken.GetAsync(cancellationToken);
        }
        catch (NotificationException e)
        {
            throw new ApproverDirectoryException("the Slack bot token could not be read: " + e.Message);
        }

        string body;
        try
        {
            body = await http.PostFormAsync(
                Receiver, new Uri(apiBase, "usergroups.users.list"), [new("usergroup", groupId)], new AuthenticationHeaderValue("Bearer", token), [token], cancellationToken);
        }
        catch (NotificationException e)
        {
            throw new ApproverDirectoryException(e.Message);
        }

        var answer = Parse(body);
        if (answer is { Ok: true, Users: { } users })
        {
            return users.ToHashSet(StringComparer.Ordinal);
        }

        if (answer?.Error is { } error && RefusedToken.Contains(error))
        {
            // Rotated in SSM since it was read, perhaps: the next click reads the parameter again.
            botToken.Forget();
        }

        throw new ApproverDirectoryException(Explain(answer?.Error, groupId));
    }

    private static SlackUserGroupMembers? Parse(string body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, SlackDirectoryJsonContext.Default.SlackUserGroupMembers);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private string Explain(string? error, string groupId) => error switch
    {
        null => "Slack's answer to usergroups.users.list is not its JSON",
        "no_such_subteam" => $"Slack has no user group {groupId} (no_such_subteam): check {ApprovalVariables.Approvers}",
        _ when RefusedToken.Contains(error) => $"Slack refused the bot token in SSM parameter {botToken.ParameterName} ({error})",
        "missing_scope" => $"the bot token in SSM parameter {botToken.ParameterName} lacks the usergroups:read scope (missing_scope)",
        "plan_upgrade_required" => "the Slack workspace's plan has no user groups (plan_upgrade_required)",
        "ratelimited" => "Slack is rate limiting usergroups.users.list (ratelimited)",
        _ => $"Slack answered {error}",
    };
}

/// <summary>usergroups.users.list's answer: <c>{"ok": true, "users": ["U060R4BJ4", "W123A4BC5"]}</c> or <c>{"ok": false, "error": "..."}</c>.</summary>
internal sealed record SlackUserGroupMembers(bool Ok, IReadOnlyList<string>? Users, string? Error);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SlackUserGroupMembers))]
internal sealed partial class SlackDirectoryJsonContext : JsonSerializerContext;
