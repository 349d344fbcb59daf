using System.Text;
using Amazon.EC2;
using Amazon.EC2.Model;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Instance = Amazon.EC2.Model.Instance;
using KeyPairInfo = Ec2Isolation.Core.Model.KeyPairInfo;
using SnapshotInfo = Ec2Isolation.Core.Model.SnapshotInfo;

namespace Ec2Isolation.Aws.Ec2;

/// <summary>The key pair, the stop after evidence and the re-image from snapshots.</summary>
public sealed partial class AwsEc2Api
{
    /// <remarks>
    /// IncludePublicKey returns the key for key pairs EC2 created and imported alike
    /// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/describe-keys.html); an unknown name is InvalidKeyPair.NotFound
    /// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
    /// </remarks>
    public async Task<KeyPairInfo?> DescribeKeyPairAsync(string keyName, CancellationToken cancellationToken)
    {
        try
        {
            var response = await ec2.DescribeKeyPairsAsync(new() { KeyNames = [keyName], IncludePublicKey = true }, cancellationToken);
            return response.KeyPairs?.FirstOrDefault(key => key.KeyName == keyName) is { } key
                ? new KeyPairInfo(key.KeyPairId, key.KeyName, key.KeyType?.Value ?? "rsa", key.KeyFingerprint, key.PublicKey)
                : null;
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode == "InvalidKeyPair.NotFound")
        {
            return null;
        }
    }

    public async Task DeleteKeyPairAsync(string keyPairId, CancellationToken cancellationToken)
    {
        try
        {
            await MutateAsync(() => ec2.DeleteKeyPairAsync(new() { KeyPairId = keyPairId, DryRun = DryRun }, cancellationToken));
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode == "InvalidKeyPair.NotFound")
        {
            // Gone already: what the call was for.
        }
    }

    /// <remarks>
    /// ImportKeyPair takes RSA (1024, 2048, 4096 bits) and ED25519 keys, in the OpenSSH public key format among others;
    /// "For API calls, the text must be base64-encoded": the SDK v4's string property is sent as given, so it is encoded
    /// here (moto, which decodes it, answers 500 to the raw OpenSSH line). https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ImportKeyPair.html
    /// </remarks>
    public async Task<string> ImportKeyPairAsync(string keyName, string publicKey, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        try
        {
            var response = await MutateAsync(() => ec2.ImportKeyPairAsync(
                new()
                {
                    KeyName = keyName,
                    PublicKeyMaterial = Convert.ToBase64String(Encoding.ASCII.GetBytes(publicKey)),
                    TagSpecifications = TagSpecifications(ResourceType.KeyPair, tags),
                    DryRun = DryRun,
                },
                cancellationToken));
            return response?.KeyPairId ?? "key-dryrun";
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode == "InvalidKeyPair.Duplicate")
        {
            throw new KeyPairExistsException($"A key pair named '{keyName}' exists already.", e);
        }
    }

    /// <remarks>One unknown id fails the whole call (InvalidSnapshot.NotFound): then each is read on its own and the unknown left out.</remarks>
    public async Task<IReadOnlyList<SnapshotInfo>> DescribeSnapshotsAsync(IReadOnlyList<string> snapshotIds, CancellationToken cancellationToken)
    {
        if (snapshotIds.Count == 0)
        {
            return [];
        }

        try
        {
            var response = await ec2.DescribeSnapshotsAsync(new() { SnapshotIds = [.. snapshotIds] }, cancellationToken);
            return [.. (response.Snapshots ?? []).Select(ToSnapshot)];
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode is "InvalidSnapshot.NotFound" or "InvalidSnapshot.Malformed" && snapshotIds.Count > 1)
        {
            var each = await Task.WhenAll(snapshotIds.Select(id => DescribeSnapshotsAsync([id], cancellationToken)));
            return [.. each.SelectMany(found => found)];
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode is "InvalidSnapshot.NotFound" or "InvalidSnapshot.Malformed")
        {
            return [];
        }
    }

    public async Task<IReadOnlyList<SnapshotInfo>> FindVolumeSnapshotsAsync(IReadOnlyList<string> volumeIds, CancellationToken cancellationToken)
    {
        var snapshots = new List<SnapshotInfo>();
        var request = new DescribeSnapshotsRequest { OwnerIds = ["self"], Filters = [new("volume-id", [.. volumeIds])] };
        await foreach (var snapshot in ec2.Paginators.DescribeSnapshots(request).Snapshots.WithCancellation(cancellationToken))
        {
            snapshots.Add(ToSnapshot(snapshot));
        }

        return snapshots;
    }

    /// <remarks>
    /// Stop protection answers OperationNotPermitted; an instance store root, or a Spot Instance of a one-time request,
    /// UnsupportedOperation (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_StopInstances.html: "You can't
    /// stop or hibernate instance store-backed instances"; https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-stop-protection.html).
    /// </remarks>
    public async Task StopInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        try
        {
            await StateRefusalsAsync(() => MutateAsync(() => ec2.StopInstancesAsync(new() { InstanceIds = [instanceId], DryRun = DryRun }, cancellationToken)));
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode is "OperationNotPermitted" or "UnsupportedOperation")
        {
            throw new StopRefusedException($"EC2 refuses to stop {instanceId}: {e.ErrorCode}: {e.Message}", e);
        }
    }

    public Task StartInstanceAsync(string instanceId, CancellationToken cancellationToken) =>
        StateRefusalsAsync(() => MutateAsync(() => ec2.StartInstancesAsync(new() { InstanceIds = [instanceId], DryRun = DryRun }, cancellationToken)));

    public async Task<string?> FindImageAsync(string name, CancellationToken cancellationToken)
    {
        var response = await ec2.DescribeImagesAsync(new() { Owners = ["self"], Filters = [new("name", [name])] }, cancellationToken);
        return response.Images?.FirstOrDefault()?.ImageId;
    }

    /// <remarks>
    /// An EBS-backed image from a snapshot of the root volume: RegisterImage with the root device's snapshot in a block
    /// device mapping; a Windows image registered so does not launch, and RHEL or SUSE lose their billing code
    /// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RegisterImage.html). Names are unique per account and
    /// region: a duplicate is InvalidAMIName.Duplicate.
    /// </remarks>
    public async Task<string> RegisterImageAsync(ImageRegistration registration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var boot = registration.Boot;
        var response = await MutateAsync(() => ec2.RegisterImageAsync(
            new()
            {
                Name = registration.Name,
                Description = "Re-image of an isolated instance from snapshots (ec2-isolation replace)",
                Architecture = ArchitectureValues.FindValue(boot.Architecture),
                RootDeviceName = boot.RootDeviceName,
                VirtualizationType = "hvm",
                EnaSupport = boot.EnaSupport,
                BootMode = boot.BootMode is { } mode ? BootModeValues.FindValue(mode) : null,
                BlockDeviceMappings = [.. registration.Volumes.Select(volume => new BlockDeviceMapping
                {
                    DeviceName = volume.DeviceName,
                    Ebs = new() { SnapshotId = volume.SnapshotId, DeleteOnTermination = true },
                })],
                TagSpecifications = TagSpecifications(ResourceType.Image, registration.Tags),
                DryRun = DryRun,
            },
            cancellationToken));
        return response?.ImageId ?? "ami-dryrun";
    }

    private static SnapshotInfo ToSnapshot(Snapshot snapshot) => new(
        snapshot.SnapshotId,
        snapshot.VolumeId,
        snapshot.State?.Value ?? "unknown",
        snapshot.StartTime is { } start
            ? new DateTimeOffset(start.Kind == DateTimeKind.Local ? start.ToUniversalTime() : DateTime.SpecifyKind(start, DateTimeKind.Utc))
            : DateTimeOffset.MinValue,
        (snapshot.Tags ?? []).ToDictionary(tag => tag.Key, tag => tag.Value));

    private static BootTraits? BootOf(Instance instance) =>
        instance.RootDeviceName is { } root && instance.Architecture?.Value is { } architecture
            ? new BootTraits(root, architecture, instance.PlatformDetails ?? "Linux/UNIX", instance.BootMode?.Value, instance.EnaSupport ?? false)
            : null;
}
