using System.Text.RegularExpressions;
using Ec2Isolation.Core.Configuration;

namespace Ec2Isolation.Core.Approvals;

/// <summary>Who may decide approval requests in Slack, and where Slack's signing secret is kept.</summary>
/// <param name="SigningSecretParameter">The SSM SecureString parameter holding the Slack app's signing secret (EC2ISOLATION_SLACK_SIGNING_SECRET_PARAMETER).</param>
/// <param name="Approvers">The Slack user ids that may approve or deny (EC2ISOLATION_APPROVERS, comma-separated, e.g. U0123ABCD).</param>
public sealed record ApprovalSettings(string SigningSecretParameter, IReadOnlySet<string> Approvers)
{
    /// <summary>The Slack user groups whose members may approve or deny (EC2ISOLATION_APPROVERS entries such as S0123ABCD).</summary>
    public IReadOnlySet<string> ApproverGroups { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// The SSM SecureString parameter holding the Slack app's bot token (scope usergroups:read), with which the members of
    /// <see cref="ApproverGroups"/> are read (EC2ISOLATION_SLACK_BOT_TOKEN_PARAMETER); needed when there are groups.
    /// </summary>
    public string? BotTokenParameter { get; init; }
}

/// <summary>The environment variables of tiers and approvals.</summary>
public static class ApprovalVariables
{
    public const string Tiers = "EC2ISOLATION_TIERS";
    public const string SigningSecret = "EC2ISOLATION_SLACK_SIGNING_SECRET_PARAMETER";
    public const string Approvers = "EC2ISOLATION_APPROVERS";
    public const string BotToken = "EC2ISOLATION_SLACK_BOT_TOKEN_PARAMETER";
}

/// <summary>Reads the tier table and the approval settings; a tier that asks needs Slack, its signing secret and approvers.</summary>
internal static partial class ApprovalSettingsReader
{
    public static IsolationSettings Read(IsolationSettings settings, Func<string, string?> read, List<string> problems)
    {
        if (read(ApprovalVariables.Tiers) is { } tiers)
        {
            try
            {
                settings = settings with { Tiers = TierPolicy.Parse(tiers) };
            }
            catch (FormatException e)
            {
                problems.Add($"{ApprovalVariables.Tiers}: {e.Message}");
            }
        }

        var secret = read(ApprovalVariables.SigningSecret);
        var entries = (read(ApprovalVariables.Approvers) ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var approvers = entries.Where(id => SlackUserId().IsMatch(id)).ToHashSet(StringComparer.Ordinal);
        var groups = entries.Where(id => SlackUserGroupId().IsMatch(id)).ToHashSet(StringComparer.Ordinal);
        var wrong = entries.Except(approvers).Except(groups).ToList();
        if (wrong.Count > 0)
        {
            problems.Add($"{ApprovalVariables.Approvers} must list Slack user ids (U or W, then capital letters and digits) or user group ids (S, then capital letters and digits), not {string.Join(", ", wrong.Select(w => $"'{w}'"))}");
        }

        var botToken = read(ApprovalVariables.BotToken);
        if (groups.Count > 0 && botToken is null)
        {
            problems.Add($"{ApprovalVariables.Approvers} lists Slack user groups ({string.Join(", ", groups)}): reading their members needs {ApprovalVariables.BotToken} (a bot token with the usergroups:read scope)");
        }

        if (secret is not null && entries.Count > 0)
        {
            settings = settings with { Approvals = new ApprovalSettings(secret, approvers) { ApproverGroups = groups, BotTokenParameter = botToken } };
        }

        if (settings.Tiers.Uses(TierAction.Ask) && (secret is null || entries.Count == 0 || settings.SlackWebhookParameter is null))
        {
            problems.Add($"a tier that asks needs {NotificationVariables.Slack}, {ApprovalVariables.SigningSecret} and {ApprovalVariables.Approvers}");
        }
        else if (settings.Tiers.Uses(TierAction.Notify) && settings.SlackWebhookParameter is null)
        {
            problems.Add($"a tier that notifies needs {NotificationVariables.Slack}");
        }

        return settings;
    }

    [GeneratedRegex(@"^[UW][A-Z0-9]{2,20}\z", RegexOptions.CultureInvariant)]
    private static partial Regex SlackUserId();

    /// <summary>A user group ("subteam") id, as usergroups.users.list takes it (https://api.slack.com/methods/usergroups.users.list: S0604QSJC).</summary>
    [GeneratedRegex(@"^S[A-Z0-9]{2,20}\z", RegexOptions.CultureInvariant)]
    private static partial Regex SlackUserGroupId();
}
