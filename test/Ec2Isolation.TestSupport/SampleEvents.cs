namespace Ec2Isolation.TestSupport;

/// <summary>
/// Sample EventBridge events (the files in Events/, as AWS delivers them) with their placeholders filled in:
/// {{instanceId}} and {{findingId}}.
/// </summary>
public static partial class SampleEvents
{
    public const string TagChange = "tag-change.json";
    public const string GuardDutyFinding = "guardduty-finding.json";
    public const string ScheduledSweep = "scheduled-sweep.json";

    public static string Load(string name, string instanceId = "i-0123456789abcdef0", string findingId = "7ac3a7bd5ed6ec35a4bbd3d9a7a2a0b1") =>
        File.ReadAllText(PathOf(name)).Replace("{{instanceId}}", instanceId, StringComparison.Ordinal).Replace("{{findingId}}", findingId, StringComparison.Ordinal);

    /// <summary>The sample as a member account's event: its account, instance ARN and finding all name <paramref name="accountId"/>.</summary>
    public static string OfAccount(string name, string instanceId, string accountId) =>
        Load(name, instanceId).Replace(MotoServer.AccountId, accountId, StringComparison.Ordinal);

    /// <summary>Where the sample lives in the test output, for tests that hand a file to a process.</summary>
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Events", name);
}
