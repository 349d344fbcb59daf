using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Isolation.Planning;

/// <summary>The key pair, stop and re-image calls of a dry run: reads go to EC2, changes are recorded and DryRun-checked.</summary>
internal sealed partial class PlanningEc2Api
{
    public Task<KeyPairInfo?> DescribeKeyPairAsync(string keyName, CancellationToken cancellationToken) =>
        ec2.DescribeKeyPairAsync(keyName, cancellationToken);

    public Task DeleteKeyPairAsync(string keyPairId, CancellationToken cancellationToken) =>
        plan.Ec2Async("DeleteKeyPair", keyPairId, string.Empty, () => plan.Probe.DeleteKeyPairAsync(keyPairId, cancellationToken));

    public async Task<string> ImportKeyPairAsync(string keyName, string publicKey, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        await plan.Ec2Async("ImportKeyPair", keyName, "the recorded public key", () => plan.Probe.ImportKeyPairAsync(keyName, publicKey, tags, cancellationToken));
        return PlanRecorder.PlannedIdPrefix + "key-pair";
    }

    public Task<IReadOnlyList<SnapshotInfo>> DescribeSnapshotsAsync(IReadOnlyList<string> snapshotIds, CancellationToken cancellationToken) =>
        ec2.DescribeSnapshotsAsync(snapshotIds, cancellationToken);

    public Task<IReadOnlyList<SnapshotInfo>> FindVolumeSnapshotsAsync(IReadOnlyList<string> volumeIds, CancellationToken cancellationToken) =>
        ec2.FindVolumeSnapshotsAsync(volumeIds, cancellationToken);

    public Task StopInstanceAsync(string instanceId, CancellationToken cancellationToken) =>
        plan.Ec2Async("StopInstances", instanceId, string.Empty, () => plan.Probe.StopInstanceAsync(instanceId, cancellationToken));

    public Task StartInstanceAsync(string instanceId, CancellationToken cancellationToken) =>
        plan.Ec2Async("StartInstances", instanceId, string.Empty, () => plan.Probe.StartInstanceAsync(instanceId, cancellationToken));

    public Task<string?> FindImageAsync(string name, CancellationToken cancellationToken) => ec2.FindImageAsync(name, cancellationToken);

    public async Task<string> RegisterImageAsync(ImageRegistration registration, CancellationToken cancellationToken)
    {
        await plan.Ec2Async("RegisterImage", registration.Name,
            string.Join(", ", registration.Volumes.Select(volume => $"{volume.DeviceName} from {volume.SnapshotId}")),
            () => plan.Probe.RegisterImageAsync(registration, cancellationToken));
        return PlanRecorder.PlannedIdPrefix + "image";
    }
}
