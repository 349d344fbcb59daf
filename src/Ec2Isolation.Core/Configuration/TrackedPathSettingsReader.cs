namespace Ec2Isolation.Core.Configuration;

/// <summary>Reads the settings of the steps that cut what security groups cannot (EC2ISOLATION_NETWORK_ACL_CUT, ...).</summary>
internal static class TrackedPathSettingsReader
{
    public static IsolationSettings Read(IsolationSettings settings, Func<string, string?> read, List<string> problems)
    {
        bool? Flag(string name)
        {
            if (read(name) is not { } text)
            {
                return null;
            }

            if (bool.TryParse(text, out var value))
            {
                return value;
            }

            problems.Add($"{name} must be true or false, not '{text}'");
            return null;
        }

        return settings with
        {
            CutTrackedPaths = Flag("EC2ISOLATION_NETWORK_ACL_CUT") ?? settings.CutTrackedPaths,
            DisableMetadata = Flag("EC2ISOLATION_DISABLE_METADATA") ?? settings.DisableMetadata,
            ShortenConnectionTracking = Flag("EC2ISOLATION_SHORTEN_CONNECTION_TRACKING") ?? settings.ShortenConnectionTracking,
        };
    }
}
