using Ec2Isolation.Core.Configuration;

namespace Ec2Isolation.Cdk;

/// <summary>The settings of the optional steps after containment.</summary>
public sealed partial record DeploymentSettings
{
    /// <summary>`deleteKeyPair`, default false: record the instance's EC2 key pair (public key included), then delete it, while isolated.</summary>
    public bool DeleteKeyPair { get; init; }

    /// <summary>`stopAfterSnapshots`, default false: stop the isolated instance once its snapshots have completed (its memory is lost).</summary>
    public bool StopAfterSnapshots { get; init; }
}

/// <summary>Reads those settings from CDK context and maps them to the function's EC2ISOLATION_* variables.</summary>
internal static class AfterContainmentContext
{
    public static DeploymentSettings Read(DeploymentSettings settings, Func<string, string?> read, List<string> problems) => settings with
    {
        DeleteKeyPair = SettingFlags.Read(read, "deleteKeyPair", problems) ?? settings.DeleteKeyPair,
        StopAfterSnapshots = SettingFlags.Read(read, "stopAfterSnapshots", problems) ?? settings.StopAfterSnapshots,
    };

    /// <summary>The variables that differ from the function's defaults.</summary>
    public static IEnumerable<(string Name, string Value)> Environment(DeploymentSettings settings)
    {
        if (settings.DeleteKeyPair)
        {
            yield return ("EC2ISOLATION_DELETE_KEY_PAIR", "true");
        }

        if (settings.StopAfterSnapshots)
        {
            yield return ("EC2ISOLATION_STOP_AFTER_SNAPSHOTS", "true");
        }
    }
}
