namespace Ec2Isolation.Core;

/// <summary>Bad input, missing configuration, or an unknown or terminated instance: nothing was changed.</summary>
public sealed class InvalidRequestException(string message) : Exception(message);

/// <summary>Another run holds the record's lease; nothing was changed by this run.</summary>
public sealed class IsolationBusyException(string message) : Exception(message);

/// <summary>A step failed. The record says which steps completed; a rerun finishes the job.</summary>
public sealed class IsolationFailedException(string message, string failedStep, Exception innerException)
    : Exception(message, innerException)
{
    public string FailedStep { get; } = failedStep;
}
