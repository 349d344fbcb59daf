using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Isolation;

/// <summary>What the key pair and stop steps log, with stable event ids.</summary>
internal static partial class AfterContainmentLog
{
    [LoggerMessage(1950, LogLevel.Information, "Deleted key pair {KeyName} ({KeyPairId}) of {InstanceId}; its public key is in the record")]
    public static partial void KeyPairDeleted(ILogger logger, string keyName, string keyPairId, string instanceId);

    [LoggerMessage(1951, LogLevel.Information, "Re-imported key pair {KeyName} of {InstanceId} as {KeyPairId}")]
    public static partial void KeyPairImported(ILogger logger, string keyName, string instanceId, string keyPairId);

    [LoggerMessage(1952, LogLevel.Warning, "Stopping {InstanceId} (state {StateBefore}); its memory is lost. Incomplete snapshots: {IncompleteSnapshots}")]
    public static partial void Stopping(ILogger logger, string instanceId, string stateBefore, string incompleteSnapshots);

    [LoggerMessage(1953, LogLevel.Information, "Started {InstanceId} again: it was running before the isolation stopped it")]
    public static partial void StartedAgain(ILogger logger, string instanceId);
}
