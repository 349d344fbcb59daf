using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Approvals;

/// <summary>An HTTP request as the Function URL hands it on: header names in lowercase, the raw body.</summary>
public sealed record HttpRequestData(string Method, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>The answer: a status code and one sentence of plain text.</summary>
public sealed record HttpAnswer(int StatusCode, string Body);

/// <summary>A secret read when needed (Slack's signing secret, from SSM).</summary>
public interface ISecretSource
{
    Task<string> GetAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Slack's interactivity request URL: every request's signature is verified first (401 when missing, forged or older
/// than five minutes; that check is why the Function URL may have auth type NONE), then the clicking user must be an
/// approver (403), then the request is decided once (200; a request decided before, unknown or expired: 403, nothing
/// changed). Slack posts <c>payload=</c> and the block_actions JSON, form-encoded
/// (https://api.slack.com/reference/interaction-payloads/block-actions).
/// </summary>
/// <param name="directory">Reads the members of approver user groups; none without groups (a group then refuses every click).</param>
public sealed partial class SlackInteractionEndpoint(
    ISecretSource signingSecret, ApprovalService approvals, ApprovalSettings settings, TimeProvider time, ILogger<SlackInteractionEndpoint> logger,
    IApproverDirectory? directory = null)
{
    public const string ApproveAction = "approve";
    public const string DenyAction = "deny";

    /// <summary>Slack's interaction bodies are small; anything much larger is not Slack's.</summary>
    private const int MaxBody = 64 * 1024;

    private ApproverCheck? _approvers;

    /// <summary>One per endpoint: it keeps the groups' members for a minute.</summary>
    private ApproverCheck Approvers => LazyInitializer.EnsureInitialized(ref _approvers, () => new(settings, directory, time, logger));

    public async Task<HttpAnswer> HandleAsync(HttpRequestData request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Method != "POST")
        {
            return new(405, "Slack posts interactions; nothing else is served here.");
        }

        if (request.Body.Length > MaxBody)
        {
            return new(413, "The body is larger than any Slack interaction; nothing changed.");
        }

        var check = SlackSignature.Verify(
            await signingSecret.GetAsync(cancellationToken),
            request.Headers.GetValueOrDefault(SlackSignature.TimestampHeader),
            request.Headers.GetValueOrDefault(SlackSignature.SignatureHeader),
            request.Body,
            time.GetUtcNow());
        if (check != SignatureCheck.Valid)
        {
            LogRefused(logger, check);
            return new(401, check switch
            {
                SignatureCheck.Stale => "The request is more than 5 minutes old (a replay, or a wrong clock); nothing changed.",
                SignatureCheck.Missing => "The request carries no Slack signature; nothing changed.",
                _ => "The Slack signature does not match; nothing changed.",
            });
        }

        if (Click.Parse(request.Body) is not { } click)
        {
            return new(400, "Not a block_actions interaction with an Approve or Deny button; nothing changed.");
        }

        var approver = await Approvers.CheckAsync(click.UserId, cancellationToken);
        if (approver.Verdict != ApproverVerdict.Approver)
        {
            LogNotApprover(logger, click.UserId);
            return new(403, approver.Verdict == ApproverVerdict.Unresolved
                ? $"Could not confirm that Slack user {click.UserId} may approve or deny ({approver.Why}); nothing changed. Try again in a minute, or decide with ec2-isolation approve|deny."
                : $"Slack user {click.UserId} may not approve or deny isolations (EC2ISOLATION_APPROVERS); nothing changed.");
        }

        var answer = await approvals.DecideAsync(
            new ApprovalClick(click.Value, click.ActionId == ApproveAction, $"slack:{click.UserId} ({click.UserName})", click.ResponseUrl), cancellationToken);
        return new(answer.Accepted ? 200 : 403, answer.Message);
    }

    /// <summary>Slack's response URLs are https://hooks.slack.com/actions/...; plain http only to this machine (local stand-ins).</summary>
    internal static bool IsSlackResponseUrl(Uri url) =>
        Configuration.NotificationUrls.IsAllowed(url) && (url.Host == "hooks.slack.com" || url.IsLoopback);

    /// <summary>The parts of a block_actions payload a decision needs.</summary>
    private sealed record Click(string UserId, string UserName, string ActionId, string Value, Uri? ResponseUrl)
    {
        public static Click? Parse(string body)
        {
            var form = body.Split('&').Select(pair => pair.Split('=', 2)).Where(pair => pair.Length == 2)
                .ToDictionary(pair => Uri.UnescapeDataString(pair[0].Replace('+', ' ')), pair => Uri.UnescapeDataString(pair[1].Replace('+', ' ')), StringComparer.Ordinal);
            if (!form.TryGetValue("payload", out var payload))
            {
                return null;
            }

            try
            {
                using var document = JsonDocument.Parse(payload);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object || Text(root, "type") != "block_actions"
                    || !root.TryGetProperty("user", out var user) || !root.TryGetProperty("actions", out var actions)
                    || actions.ValueKind != JsonValueKind.Array || actions.GetArrayLength() != 1)
                {
                    return null;
                }

                var action = actions[0];
                var actionId = Text(action, "action_id");
                var value = Text(action, "value");
                var userId = Text(user, "id");
                if (actionId is not (ApproveAction or DenyAction) || value is null || userId is null)
                {
                    return null;
                }

                // Only Slack's own hosts may receive the decision: a response_url elsewhere is not followed.
                var responseUrl = Text(root, "response_url") is { } url && Uri.TryCreate(url, UriKind.Absolute, out var parsed)
                    && IsSlackResponseUrl(parsed) ? parsed : null;
                return new(userId, Text(user, "username") ?? Text(user, "name") ?? userId, actionId, value, responseUrl);
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static string? Text(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    [LoggerMessage(2110, LogLevel.Warning, "Refused a request to the Slack endpoint: signature {Check}")]
    private static partial void LogRefused(ILogger logger, SignatureCheck check);

    [LoggerMessage(2111, LogLevel.Warning, "Refused a decision by Slack user {UserId}: not an approver")]
    private static partial void LogNotApprover(ILogger logger, string userId);
}
