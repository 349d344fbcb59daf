using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>What the steps that cut what security groups cannot log, with stable event ids.</summary>
internal static partial class TrackedPathLog
{
    [LoggerMessage(1600, LogLevel.Information, "Added {Count} network ACL deny entries for the addresses of {InstanceId}")]
    public static partial void DeniesAdded(ILogger logger, int count, string instanceId);

    [LoggerMessage(1601, LogLevel.Warning,
        "Forensic access to {InstanceId} through a cut path (NAT gateway, transit gateway, endpoint, load balancer) is cut too: a stateless ACL cannot let the replies through without letting every flow of the instance through")]
    public static partial void ForensicAccessThroughCutPaths(ILogger logger, string instanceId);

    [LoggerMessage(1602, LogLevel.Warning, "{NetworkInterfaceId} of {InstanceId} does not support connection tracking timeouts (not on Nitro): {Reason}")]
    public static partial void TrackingUnsupported(ILogger logger, string networkInterfaceId, string instanceId, string reason);

    [LoggerMessage(1603, LogLevel.Warning, "{Count} network ACL deny entries of isolated {InstanceId} are no longer in force (removed, or overtaken by an allow entry); putting them back: {Entries}")]
    public static partial void DeniesMissing(ILogger logger, int count, string instanceId, string entries);

    [LoggerMessage(1604, LogLevel.Information, "{InstanceId} no longer exists ({InstanceState}): its record is closed and {Removed} network ACL deny entries of its addresses removed")]
    public static partial void ClosedInstanceGone(ILogger logger, string instanceId, string instanceState, int removed);
}
