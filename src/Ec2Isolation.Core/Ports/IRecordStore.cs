using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Ports;

/// <summary>Durable isolation records (a DynamoDB table keyed by InstanceId).</summary>
public interface IRecordStore
{
    Task<IsolationRecord?> GetAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the whole record. With <paramref name="expectedVersion"/> null the record must not exist yet;
    /// otherwise the stored version must equal it. Throws <see cref="RecordConflictException"/> when the condition fails.
    /// </summary>
    Task PutAsync(IsolationRecord record, long? expectedVersion, CancellationToken cancellationToken);

    Task<IReadOnlyList<IsolationRecord>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>Another run wrote the record first.</summary>
public sealed class RecordConflictException(string message, Exception? innerException = null)
    : Exception(message, innerException);
