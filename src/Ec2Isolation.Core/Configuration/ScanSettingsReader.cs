using System.Globalization;

namespace Ec2Isolation.Core.Configuration;

/// <summary>Reads the replacement scan's setting (EC2ISOLATION_INSPECTOR_WAIT_SECONDS).</summary>
internal static class ScanSettingsReader
{
    /// <summary>An hour: longer belongs to a later <c>scan</c>, not to a command an analyst sits in front of.</summary>
    private const int MaxWaitSeconds = 3600;

    public static IsolationSettings Read(IsolationSettings settings, Func<string, string?> read, List<string> problems)
    {
        if (read("EC2ISOLATION_INSPECTOR_WAIT_SECONDS") is not { } text)
        {
            return settings;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= MaxWaitSeconds)
        {
            return settings with { InspectorWait = TimeSpan.FromSeconds(seconds) };
        }

        problems.Add($"EC2ISOLATION_INSPECTOR_WAIT_SECONDS must be a whole number of seconds from 0 to {MaxWaitSeconds}, not '{text}'");
        return settings;
    }
}
