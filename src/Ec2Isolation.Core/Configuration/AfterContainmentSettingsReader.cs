namespace Ec2Isolation.Core.Configuration;

/// <summary>Reads the settings of the optional steps after containment (EC2ISOLATION_DELETE_KEY_PAIR, EC2ISOLATION_STOP_AFTER_SNAPSHOTS).</summary>
internal static class AfterContainmentSettingsReader
{
    public static IsolationSettings Read(IsolationSettings settings, Func<string, string?> read, List<string> problems) => settings with
    {
        DeleteKeyPair = SettingFlags.Read(read, "EC2ISOLATION_DELETE_KEY_PAIR", problems) ?? settings.DeleteKeyPair,
        StopAfterSnapshots = SettingFlags.Read(read, "EC2ISOLATION_STOP_AFTER_SNAPSHOTS", problems) ?? settings.StopAfterSnapshots,
    };
}
