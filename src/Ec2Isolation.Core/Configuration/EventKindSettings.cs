using System.Text.RegularExpressions;

namespace Ec2Isolation.Core.Configuration;

/// <summary>
/// Which event kinds beyond tags and GuardDuty findings isolate: GuardDuty attack sequences
/// (EC2ISOLATION_ATTACK_SEQUENCES), the stack's Security Hub custom action (EC2ISOLATION_SECURITYHUB_ACTION_ID), and
/// CloudTrail's record of calls that undo an isolation, but the function's own (EC2ISOLATION_FUNCTION_ROLE_ARN).
/// </summary>
/// <param name="AttackSequences">AttackSequence:EC2/CompromisedInstanceGroup findings isolate every instance they name (default true).</param>
/// <param name="SecurityHubActionId">The id of the custom action whose events isolate; null: Security Hub events are ignored.</param>
/// <param name="OwnRoleArn">The function's own role (EC2ISOLATION_FUNCTION_ROLE_ARN): its CloudTrail calls are never tampering.</param>
public sealed partial record EventKindSettings(bool AttackSequences = true, string? SecurityHubActionId = null, string? OwnRoleArn = null)
{
    /// <summary>A custom action id: up to 20 alphanumeric characters (Security Hub API reference, CreateActionTarget: https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_CreateActionTarget.html).</summary>
    public static bool IsActionId(string? text) => text is not null && ActionId().IsMatch(text);

    [GeneratedRegex(@"^[A-Za-z0-9]{1,20}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ActionId();
}

/// <summary>Reads <see cref="EventKindSettings"/> into <see cref="IsolationSettings"/>, adding a problem for each wrong variable.</summary>
internal static class EventKindSettingsReader
{
    public static IsolationSettings Read(IsolationSettings settings, Func<string, string?> read, List<string> problems)
    {
        var kinds = new EventKindSettings();
        if (SettingFlags.Read(read, "EC2ISOLATION_ATTACK_SEQUENCES", problems) is { } sequences)
        {
            kinds = kinds with { AttackSequences = sequences };
        }

        if (read("EC2ISOLATION_SECURITYHUB_ACTION_ID") is { } actionId)
        {
            if (EventKindSettings.IsActionId(actionId))
            {
                kinds = kinds with { SecurityHubActionId = actionId };
            }
            else
            {
                problems.Add($"EC2ISOLATION_SECURITYHUB_ACTION_ID must be a custom action id (1 to 20 letters and digits), not '{actionId}'");
            }
        }

        if (read("EC2ISOLATION_FUNCTION_ROLE_ARN") is { } roleArn)
        {
            kinds = kinds with { OwnRoleArn = roleArn };
        }

        return settings with { EventKinds = kinds };
    }
}
