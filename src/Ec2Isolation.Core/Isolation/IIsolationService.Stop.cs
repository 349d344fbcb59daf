using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Isolation;

/// <summary>The stop after evidence. Besides the errors of isolate and release: <see cref="SnapshotsPendingException"/>, <see cref="Ports.StopRefusedException"/>.</summary>
public partial interface IIsolationService
{
    /// <summary>Stops an isolated instance once its snapshots have completed (or anyway, forced), and records it; release starts it again if it was running.</summary>
    Task<StopResult> StopAsync(StopRequest request, CancellationToken cancellationToken);
}

/// <param name="Force">Stop although a snapshot is not completed (the evidence on the volumes is then only what the disk holds at the stop).</param>
public sealed record StopRequest(string InstanceId, bool Force = false, string? RequestedBy = null);

public enum StopOutcome
{
    /// <summary>This run stopped the instance (StopInstances accepted; it may still be stopping).</summary>
    Stopped,
    /// <summary>It was stopped (or stopping) already; nothing changed beyond the record.</summary>
    AlreadyStopped,
}

public sealed record StopResult(StopOutcome Outcome, string InstanceId, string Message, InstanceStop Stop);
