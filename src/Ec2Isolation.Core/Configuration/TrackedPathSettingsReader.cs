namespace Ec2Isolation.Core.Configuration;

/// <summary>Reads the settings of the steps that cut what security groups cannot (EC2ISOLATION_NETWORK_ACL_CUT, ...).</summary>
internal static class TrackedPathSettingsReader
{
    public static IsolationSettings Read(IsolationSettings settings, Func<string, string?> read, List<string> problems)
    {
        return settings with
        {
            CutTrackedPaths = SettingFlags.Read(read, "EC2ISOLATION_NETWORK_ACL_CUT", problems) ?? settings.CutTrackedPaths,
            DisableMetadata = SettingFlags.Read(read, "EC2ISOLATION_DISABLE_METADATA", problems) ?? settings.DisableMetadata,
            ShortenConnectionTracking = SettingFlags.Read(read, "EC2ISOLATION_SHORTEN_CONNECTION_TRACKING", problems) ?? settings.ShortenConnectionTracking,
        };
    }
}
