using Ec2Isolation.Core.Configuration;

namespace Ec2Isolation.Cdk;

/// <summary>The settings of the steps that cut what security groups cannot.</summary>
public sealed partial record DeploymentSettings
{
    /// <summary>`networkAclCut`, default true: deny the isolated instance's addresses in the network ACLs of its always-tracked paths.</summary>
    public bool NetworkAclCut { get; init; } = true;

    /// <summary>`disableMetadata`, default false: turn the instance metadata service off while isolated (it stops the SSM agent too).</summary>
    public bool DisableMetadata { get; init; }

    /// <summary>`shortenConnectionTracking`, default false: the shortest connection tracking idle timeouts on the instance's ENIs while isolated.</summary>
    public bool ShortenConnectionTracking { get; init; }
}

/// <summary>Reads those settings from CDK context and maps them to the function's EC2ISOLATION_* variables.</summary>
internal static class TrackedPathContext
{
    public static DeploymentSettings Read(DeploymentSettings settings, Func<string, string?> read, List<string> problems)
    {
        return settings with
        {
            NetworkAclCut = SettingFlags.Read(read, "networkAclCut", problems) ?? settings.NetworkAclCut,
            DisableMetadata = SettingFlags.Read(read, "disableMetadata", problems) ?? settings.DisableMetadata,
            ShortenConnectionTracking = SettingFlags.Read(read, "shortenConnectionTracking", problems) ?? settings.ShortenConnectionTracking,
        };
    }

    /// <summary>The variables that differ from the function's defaults.</summary>
    public static IEnumerable<(string Name, string Value)> Environment(DeploymentSettings settings)
    {
        if (!settings.NetworkAclCut)
        {
            yield return ("EC2ISOLATION_NETWORK_ACL_CUT", "false");
        }

        if (settings.DisableMetadata)
        {
            yield return ("EC2ISOLATION_DISABLE_METADATA", "true");
        }

        if (settings.ShortenConnectionTracking)
        {
            yield return ("EC2ISOLATION_SHORTEN_CONNECTION_TRACKING", "true");
        }
    }
}
