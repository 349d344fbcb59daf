namespace Ec2Isolation.Core;

/// <summary>Bad input, missing configuration, or an unknown or terminated instance: nothing was changed.</summary>
public sealed class InvalidRequestException(string message) : Exception(message);

/// <summary>Another run holds the record's lease; nothing was changed by this run.</summary>
public sealed class IsolationBusyException(string message) : Exception(message);

/// <summary>
/// A step failed. The record says which steps completed and which failed; a rerun retries what failed. An isolation
/// whose network is contained went on with every other step: <see cref="Result"/> then says what holds.
/// </summary>
public sealed class IsolationFailedException(string message, string failedStep, Exception innerException)
    : Exception(message, innerException)
{
    /// <summary>The first step that failed (the only one when the run had to stop).</summary>
    public string FailedStep { get; } = failedStep;

    /// <summary>Every step that failed, with its error.</summary>
    public IReadOnlyDictionary<string, string> FailedSteps { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// For an isolation whose network is contained, the result with <see cref="Isolation.IsolationOutcome.Incomplete"/>
    /// and the record as written; null when the run stopped before the network was contained, or for a release.
    /// </summary>
    public Isolation.IsolationResult? Result { get; init; }
}

/// <summary>
/// A release of an instance whose original security groups are not known (it was found in isolation groups without a
/// record) names no groups to restore; nothing was changed.
/// </summary>
public sealed class RestoreGroupsRequiredException(string message) : Exception(message);
