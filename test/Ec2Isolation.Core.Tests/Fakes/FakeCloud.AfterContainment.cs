using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Tests.Fakes;

/// <summary>Key pairs, snapshots' states, stop and start, images from snapshots: with what EC2 refuses, each with its documentation.</summary>
internal sealed partial class FakeCloud
{
    public Dictionary<string, KeyPairInfo> KeyPairs { get; } = [];
    public Dictionary<string, SnapshotInfo> SnapshotDetails { get; } = [];
    public Dictionary<string, ImageRegistration> Images { get; } = [];

    /// <summary>When the snapshots the isolation takes start (EC2's clock, not the run's).</summary>
    public DateTimeOffset SnapshotTime { get; set; } = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The state snapshots the isolation takes start in ("completed" unless a test says otherwise).</summary>
    public string NewSnapshotState { get; set; } = SnapshotInfo.Completed;

    /// <summary>An EC2-created key pair: EC2 fingerprints it by its private key (SHA-1), an import by its public key (MD5).</summary>
    public KeyPairInfo AddKeyPair(string keyName, string publicKey, string keyType = "rsa")
    {
        var key = new KeyPairInfo("key-" + NextId(), keyName, keyType, "sha1:" + keyName, publicKey + " " + keyName);
        KeyPairs[keyName] = key;
        return key;
    }

    /// <summary>A snapshot taken outside the isolation (a backup), completed at <paramref name="startTime"/>.</summary>
    public string AddSnapshot(string volumeId, DateTimeOffset startTime, string state = SnapshotInfo.Completed, IReadOnlyDictionary<string, string>? tags = null)
    {
        var id = "snap-" + NextId();
        SnapshotDetails[id] = new SnapshotInfo(id, volumeId, state, startTime, tags ?? new Dictionary<string, string>());
        return id;
    }

    public Task<KeyPairInfo?> DescribeKeyPairAsync(string keyName, CancellationToken cancellationToken) =>
        Call("DescribeKeyPairs", () => KeyPairs.GetValueOrDefault(keyName));

    /// <summary>By id: a key pair imported under the name since is another id, and untouched.</summary>
    public Task DeleteKeyPairAsync(string keyPairId, CancellationToken cancellationToken) =>
        Call("DeleteKeyPair", () =>
        {
            if (KeyPairs.Values.FirstOrDefault(key => key.KeyPairId == keyPairId) is { } key)
            {
                KeyPairs.Remove(key.KeyName);
            }

            return true;
        });

    /// <summary>
    /// RSA and ED25519 only (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ImportKeyPair.html); a taken name
    /// is InvalidKeyPair.Duplicate; the import's fingerprint is its public key's (MD5 for RSA), not the original's.
    /// </summary>
    public Task<string> ImportKeyPairAsync(string keyName, string publicKey, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        Call("ImportKeyPair", () =>
        {
            if (KeyPairs.ContainsKey(keyName))
            {
                throw new KeyPairExistsException($"InvalidKeyPair.Duplicate: The keypair '{keyName}' already exists.");
            }

            var type = publicKey.Split(' ')[0] switch
            {
                "ssh-rsa" => "rsa",
                "ssh-ed25519" => "ed25519",
                var other => throw new InvalidOperationException($"InvalidKey.Format: Key is not in valid OpenSSH public key format ({other})"),
            };
            var key = new KeyPairInfo("key-" + NextId(), keyName, type, "md5:" + keyName, publicKey);
            KeyPairs[keyName] = key;
            return key.KeyPairId;
        });

    public Task<IReadOnlyList<SnapshotInfo>> DescribeSnapshotsAsync(IReadOnlyList<string> snapshotIds, CancellationToken cancellationToken) =>
        Call("DescribeSnapshots:ids", () => (IReadOnlyList<SnapshotInfo>)[.. snapshotIds.Select(SnapshotDetails.GetValueOrDefault).OfType<SnapshotInfo>()]);

    public Task<IReadOnlyList<SnapshotInfo>> FindVolumeSnapshotsAsync(IReadOnlyList<string> volumeIds, CancellationToken cancellationToken) =>
        Call("DescribeSnapshots:volumes", () => (IReadOnlyList<SnapshotInfo>)[.. SnapshotDetails.Values.Where(snapshot => volumeIds.Contains(snapshot.VolumeId))]);

    /// <summary>
    /// Stop protection: OperationNotPermitted (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-stop-protection.html);
    /// an instance store root: UnsupportedOperation ("You can't stop or hibernate instance store-backed instances":
    /// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_StopInstances.html); pending: IncorrectInstanceState.
    /// A stopped instance stops again without error.
    /// </summary>
    public Task StopInstanceAsync(string instanceId, CancellationToken cancellationToken) =>
        Call("StopInstances", () =>
        {
            var instance = Instance(instanceId);
            if (instance.Protection.DisableApiStop)
            {
                throw new StopRefusedException($"OperationNotPermitted: The instance '{instanceId}' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.");
            }

            if (instance.InstanceStoreRoot)
            {
                throw new StopRefusedException($"UnsupportedOperation: The instance '{instanceId}' does not have an 'ebs' root device type and cannot be stopped.");
            }

            if (instance.State == "pending")
            {
                throw new IncorrectStateException($"IncorrectInstanceState: The instance '{instanceId}' is not in a state from which it can be stopped.");
            }

            instance.State = "stopped";
            return true;
        });

    /// <summary>A stopping instance answers IncorrectInstanceState until it is stopped.</summary>
    public Task StartInstanceAsync(string instanceId, CancellationToken cancellationToken) =>
        Call("StartInstances", () =>
        {
            var instance = Instance(instanceId);
            if (instance.State == "stopping")
            {
                instance.State = "stopped";
                throw new IncorrectStateException($"IncorrectInstanceState: The instance '{instanceId}' is not in a state from which it can be started.");
            }

            instance.State = "running";
            return true;
        });

    public Task<string?> FindImageAsync(string name, CancellationToken cancellationToken) =>
        Call("DescribeImages", () => (string?)Images.FirstOrDefault(image => image.Value.Name == name).Key);

    /// <summary>Image names are unique per account and region (InvalidAMIName.Duplicate).</summary>
    public Task<string> RegisterImageAsync(ImageRegistration registration, CancellationToken cancellationToken) =>
        Call("RegisterImage", () =>
        {
            if (Images.Values.Any(image => image.Name == registration.Name))
            {
                throw new InvalidOperationException($"InvalidAMIName.Duplicate: AMI name {registration.Name} is already in use");
            }

            var id = "ami-" + NextId();
            Images[id] = registration;
            return id;
        });

    private void RememberSnapshots(IEnumerable<(string SnapshotId, string VolumeId)> snapshots, IReadOnlyDictionary<string, string> tags)
    {
        foreach (var (id, volumeId) in snapshots)
        {
            SnapshotDetails[id] = new SnapshotInfo(id, volumeId, NewSnapshotState, SnapshotTime, tags);
        }
    }
}
