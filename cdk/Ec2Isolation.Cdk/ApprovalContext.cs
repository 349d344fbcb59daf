using Ec2Isolation.Core.Approvals;

namespace Ec2Isolation.Cdk;

/// <summary>
/// The context keys of tiers and Slack approvals: `tiers` (EC2ISOLATION_TIERS, docs/tiers.md),
/// `slackSigningSecretParameter` (the SSM SecureString parameter holding the Slack app's signing secret) and `approvers`
/// (comma-separated Slack user ids and user group ids), and `slackBotTokenParameter` (the SSM SecureString parameter holding
/// the bot token that reads the groups' members). With the signing secret and approvers, the stack serves Slack's
/// interactivity URL from the function's URL.
/// The values are checked by the function's own reader with the rest of its environment (DeploymentSettings.FunctionEnvironment).
/// </summary>
internal static class ApprovalContext
{
    public static DeploymentSettings Read(DeploymentSettings settings, Func<string, string?> read, List<string> problems)
    {
        settings = settings with
        {
            Tiers = read("tiers"),
            SlackSigningSecretParameter = read("slackSigningSecretParameter"),
            Approvers = read("approvers"),
            SlackBotTokenParameter = read("slackBotTokenParameter"),
        };
        if ((settings.SlackSigningSecretParameter is null) != (settings.Approvers is null))
        {
            problems.Add("slackSigningSecretParameter and approvers: set both (Slack approvals) or neither");
        }

        return settings;
    }

    /// <summary>
    /// The lowest severity the GuardDuty rules of <paramref name="trigger"/> must deliver: the isolation threshold, or the
    /// lowest band of a tier that asks or notifies below it (a tier the rule never delivers would never ask).
    /// </summary>
    public static double RuleSeverity(DeploymentSettings settings, string trigger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        IReadOnlyList<Tier> tiers;
        try
        {
            tiers = settings.Tiers is { } text ? TierPolicy.Parse(text).Configured : [];
        }
        catch (FormatException)
        {
            // The function's own reader refuses it with the rest of its environment.
            tiers = [];
        }

        return tiers.Where(tier => tier.Trigger == trigger && tier.Action != TierAction.Ignore)
            .Select(tier => tier.MinSeverity).Append(settings.GuardDutyMinSeverity).Min();
    }

    public static IEnumerable<(string Name, string Value)> Environment(DeploymentSettings settings)
    {
        foreach (var (name, value) in new[]
        {
            (ApprovalVariables.Tiers, settings.Tiers),
            (ApprovalVariables.SigningSecret, settings.SlackSigningSecretParameter),
            (ApprovalVariables.Approvers, settings.Approvers),
            (ApprovalVariables.BotToken, settings.SlackBotTokenParameter),
        })
        {
            if (value is not null)
            {
                yield return (name, value);
            }
        }
    }
}
