using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Replacement;

/// <summary>What a replacement logs, with stable event ids.</summary>
internal static partial class ReplacementLog
{
    [LoggerMessage(1300, LogLevel.Information, "Launched {ReplacementInstanceId} to replace {InstanceId}: {Source}, {InstanceType} in {SubnetId}")]
    public static partial void Launched(ILogger logger, string replacementInstanceId, string instanceId, string source, string instanceType, string subnetId);

    [LoggerMessage(1301, LogLevel.Information, "{InstanceId} is already replaced by {ReplacementInstanceId}; nothing launched")]
    public static partial void AlreadyReplaced(ILogger logger, string instanceId, string replacementInstanceId);

    [LoggerMessage(1302, LogLevel.Information, "{InstanceId} is a member of Auto Scaling group {GroupName}, which replaces it; nothing launched")]
    public static partial void ReplacedByGroup(ILogger logger, string instanceId, string groupName);

    [LoggerMessage(1303, LogLevel.Error, "Launched {ReplacementInstanceId} to replace {InstanceId} but could not record it; a rerun of replace records it")]
    public static partial void NotRecorded(ILogger logger, Exception exception, string replacementInstanceId, string instanceId);

    [LoggerMessage(1304, LogLevel.Critical, "Could not give up the record of {InstanceId} after a failed launch; it stays held until its lease expires")]
    public static partial void LeaseNotReleased(ILogger logger, Exception exception, string instanceId);
}
