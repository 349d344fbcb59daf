using Ec2Isolation.Core.Model;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Notifications;

/// <summary>What the notices log, with stable event ids (1100 to 1119).</summary>
internal static partial class NotificationLog
{
    [LoggerMessage(1100, LogLevel.Information, "Sent the {Kind} notice of {InstanceId} to {Notifier}")]
    public static partial void Sent(ILogger logger, NoticeKind kind, string instanceId, string notifier);

    [LoggerMessage(1101, LogLevel.Warning, "The {Kind} notice of {InstanceId} to {Notifier} failed, which changes nothing to the run: {Error}")]
    public static partial void Failed(ILogger logger, NoticeKind kind, string instanceId, string notifier, string error);

    [LoggerMessage(1102, LogLevel.Error, "Could not write what became of the notices of {InstanceId} into its record; the log has them")]
    public static partial void NotRecorded(ILogger logger, Exception exception, string instanceId);
}
