using Ec2Isolation.Core.Configuration;

namespace Ec2Isolation.Cdk;

/// <summary>
/// The context keys of the event kinds beyond tags and GuardDuty's single-instance findings: `attackSequences`
/// (default true) and `securityHubActionId` (default <see cref="DefaultSecurityHubActionId"/>; `none` creates no
/// custom action, for accounts without Security Hub, where its creation would fail the deployment).
/// </summary>
internal static class EventKindContext
{
    public const string DefaultSecurityHubActionId = "Ec2Isolate";

    public static DeploymentSettings Read(DeploymentSettings settings, Func<string, string?> read, List<string> problems)
    {
        if (SettingFlags.Read(read, "attackSequences", problems) is { } sequences)
        {
            settings = settings with { AttackSequences = sequences };
        }

        if (read("securityHubActionId") is { } actionId)
        {
            if (actionId == "none")
            {
                settings = settings with { SecurityHubActionId = null };
            }
            else if (EventKindSettings.IsActionId(actionId))
            {
                settings = settings with { SecurityHubActionId = actionId };
            }
            else
            {
                problems.Add($"securityHubActionId must be a custom action id (1 to 20 letters and digits) or none, not '{actionId}'");
            }
        }

        return settings;
    }

    /// <summary>The function's EC2ISOLATION_* variables for these settings (checked with the rest by the function's own reader).</summary>
    public static IEnumerable<(string Name, string Value)> Environment(DeploymentSettings settings)
    {
        yield return ("EC2ISOLATION_ATTACK_SEQUENCES", settings.AttackSequences ? "true" : "false");
        if (settings.SecurityHubActionId is { } actionId)
        {
            yield return ("EC2ISOLATION_SECURITYHUB_ACTION_ID", actionId);
        }
    }
}
