using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Scanning;

/// <summary>What a replacement scan logs, with stable event ids.</summary>
internal static partial class ScanLog
{
    [LoggerMessage(1310, LogLevel.Information, "Waiting up to {WaitSeconds} s for Amazon Inspector to scan {ReplacementInstanceId}, the replacement of {InstanceId}")]
    public static partial void Waiting(ILogger logger, double waitSeconds, string replacementInstanceId, string instanceId);

    [LoggerMessage(1311, LogLevel.Information, "Amazon Inspector on {ReplacementInstanceId}: {Summary}")]
    public static partial void Scanned(ILogger logger, string replacementInstanceId, string summary);

    [LoggerMessage(1312, LogLevel.Warning, "Amazon Inspector did not scan {ReplacementInstanceId}: {Reason}")]
    public static partial void NotScanned(ILogger logger, string replacementInstanceId, string reason);

    [LoggerMessage(1313, LogLevel.Warning, "The summary of {ReplacementInstanceId} was not recorded: {Reason}")]
    public static partial void NotRecorded(ILogger logger, string replacementInstanceId, string reason);
}
