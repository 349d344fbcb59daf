using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation;

/// <summary>
/// Stops an isolated instance once its evidence is taken: every snapshot the snapshot step recorded must be completed
/// (DescribeSnapshots), unless forced. The stop is recorded (who, when, the state before) before StopInstances, so that a
/// release starts the instance again if it was running. The isolation's own stop protection refuses StopInstances
/// (OperationNotPermitted: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-stop-protection.html), so it is lifted
/// for the call alone and put back whatever the call's outcome; termination protection stays on throughout. An instance
/// store root never stops ("You can't stop or hibernate instance store-backed instances":
/// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_StopInstances.html). The memory is lost: a stop is not a hibernation.
/// </summary>
internal static class EvidenceStop
{
    public static async Task<(bool Stopped, InstanceStop Stop)> StopAsync(RunContext context, string requestedBy, bool force, CancellationToken cancellationToken)
    {
        var record = context.Record;
        var instance = context.Instance;
        if (instance.HasInstanceStoreRoot)
        {
            throw new StopRefusedException($"{record.InstanceId} has an instance store root volume, which EC2 can never stop; nothing was changed.");
        }

        if (instance.State is "stopped" or "stopping")
        {
            return (false, record.Stop ??= new InstanceStop { RequestedBy = requestedBy, StoppedAt = context.Time.GetUtcNow(), StateBefore = InstanceCapabilities.Stopped });
        }

        var incomplete = await IncompleteSnapshotsAsync(context, cancellationToken);
        if (incomplete.Count > 0 && !force)
        {
            throw new SnapshotsPendingException(
                $"{record.InstanceId} is not stopped: its evidence is not all taken ({string.Join(", ", incomplete)}). Stopping loses its memory; "
                + "wait for the snapshots to complete and run stop again, or stop it anyway with --force. Nothing was changed.");
        }

        var previous = record.Stop;
        record.Stop = new InstanceStop
        {
            RequestedBy = requestedBy,
            StoppedAt = context.Time.GetUtcNow(),
            StateBefore = instance.State,
            Forced = incomplete.Count > 0,
            IncompleteSnapshots = [.. incomplete],
        };
        await context.SaveAsync(cancellationToken);
        AfterContainmentLog.Stopping(context.Logger, record.InstanceId, instance.State, incomplete.Count == 0 ? "none" : string.Join(", ", incomplete));
        try
        {
            await StopThroughProtectionAsync(context, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            record.Stop = previous;
            await context.SaveAsync(CancellationToken.None);
            throw;
        }

        return (true, record.Stop);
    }

    /// <summary>"snap-... (pending)" for each recorded snapshot not completed, or gone; the volumes themselves when none was recorded.</summary>
    private static async Task<IReadOnlyList<string>> IncompleteSnapshotsAsync(RunContext context, CancellationToken cancellationToken)
    {
        var ids = context.Record.Artifacts.SnapshotIds;
        if (ids.Count == 0)
        {
            return [.. context.Record.Original.Volumes.Select(volume => $"{volume.VolumeId} (no snapshot recorded)")];
        }

        var found = await context.Apis.Ec2.DescribeSnapshotsAsync(ids, cancellationToken);
        return [.. ids.Select(id => found.FirstOrDefault(snapshot => snapshot.SnapshotId == id) switch
        {
            null => $"{id} (gone)",
            { IsCompleted: true } => null,
            var snapshot => $"{id} ({snapshot.State})",
        }).OfType<string>()];
    }

    private static async Task StopThroughProtectionAsync(RunContext context, CancellationToken cancellationToken)
    {
        var ec2 = context.Apis.Ec2;
        var instanceId = context.InstanceId;
        var protection = await ec2.DescribeProtectionAsync(instanceId, cancellationToken);
        if (!protection.DisableApiStop)
        {
            await StateSettling.RetryAsync(context.Time, _ => ec2.StopInstanceAsync(instanceId, cancellationToken), cancellationToken);
            return;
        }

        await ec2.SetProtectionAsync(instanceId, protection with { DisableApiStop = false }, ProtectionAttributes.Stop, cancellationToken);
        try
        {
            await StateSettling.RetryAsync(context.Time, _ => ec2.StopInstanceAsync(instanceId, cancellationToken), cancellationToken);
        }
        finally
        {
            // While it stops the instance is "stopping", in which EC2 changes no attribute: the settling retry waits for "stopped".
            await StateSettling.RetryAsync(
                context.Time, _ => ec2.SetProtectionAsync(instanceId, protection, ProtectionAttributes.Stop, CancellationToken.None), CancellationToken.None);
        }
    }
}

/// <summary>A stop refused because the evidence is not all taken: a snapshot is pending, failed or missing. Nothing was changed.</summary>
public sealed class SnapshotsPendingException(string message) : Exception(message);
