using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Replacement;

/// <summary>
/// Launches a clean replacement of an isolated instance (the CLI's <c>replace</c>). Errors are exceptions, as for
/// <see cref="IIsolationService"/>: <see cref="InvalidRequestException"/> (not isolated, no image to launch from; nothing
/// launched), <see cref="IsolationBusyException"/> (another run holds the record; nothing launched).
/// </summary>
public interface IReplacementService
{
    Task<ReplacementResult> ReplaceAsync(ReplacementRequest request, CancellationToken cancellationToken);

    /// <summary>What <see cref="ReplaceAsync"/> would launch, permission-checked with EC2 DryRun; launches nothing.</summary>
    Task<IsolationPlan> PlanReplacementAsync(ReplacementRequest request, CancellationToken cancellationToken);
}

/// <param name="InstanceId">The isolated instance (i-...).</param>
/// <param name="ImageId">The AMI to launch from; null: the launch template the instance was launched from.</param>
/// <param name="Force">Launch even when a replacement recorded earlier is still there.</param>
/// <param name="FromSnapshots">
/// Re-image from these snapshots of the instance's volumes (the root volume's among them): an image is registered from
/// them. Exclusive with <paramref name="ImageId"/> and <paramref name="Before"/>.
/// </param>
/// <param name="Before">Re-image from each volume's latest completed snapshot started before this time (the root volume must have one).</param>
/// <param name="IncludeIsolationSnapshots">Allow the snapshots an isolation took (the compromised state); never chosen otherwise.</param>
public sealed record ReplacementRequest(
    string InstanceId, string? ImageId = null, bool Force = false, IReadOnlyList<string>? FromSnapshots = null, DateTimeOffset? Before = null,
    bool IncludeIsolationSnapshots = false)
{
    /// <summary>True when the replacement is re-imaged from snapshots.</summary>
    public bool FromSnapshotImage => FromSnapshots is { Count: > 0 } || Before is not null;
}

public enum ReplacementOutcome
{
    /// <summary>This run launched a replacement and recorded it.</summary>
    Launched,
    /// <summary>A replacement recorded earlier is still there; nothing launched.</summary>
    AlreadyReplaced,
    /// <summary>The instance belongs to an Auto Scaling group, which replaces it; nothing launched.</summary>
    ReplacedByAutoScalingGroup,
}

/// <param name="ReplacementInstanceId">The replacement launched, or the one already there.</param>
/// <param name="Launch">What was launched (<see cref="ReplacementOutcome.Launched"/> only).</param>
/// <param name="AutoScalingGroupName">The group that replaces the instance.</param>
/// <param name="Scan">Amazon Inspector's summary of the replacement, when the command scanned it after the launch.</param>
public sealed record ReplacementResult(
    ReplacementOutcome Outcome,
    string InstanceId,
    string Message,
    string? ReplacementInstanceId = null,
    ReplacementSpec? Launch = null,
    string? AutoScalingGroupName = null,
    ScanSummary? Scan = null);
