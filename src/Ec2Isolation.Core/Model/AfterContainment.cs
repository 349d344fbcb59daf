namespace Ec2Isolation.Core.Model;

/// <summary>
/// An EC2 key pair as DescribeKeyPairs gives it with IncludePublicKey (for key pairs EC2 created and key pairs imported
/// alike: https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/describe-keys.html). <paramref name="PublicKey"/> is the
/// OpenSSH line ("ssh-rsa AAAA... name"), what ImportKeyPair takes back.
/// </summary>
public sealed record KeyPairInfo(string KeyPairId, string KeyName, string KeyType, string? Fingerprint, string? PublicKey)
{
    /// <summary>
    /// True when both hold the same key. The key type and base64 body decide, not the fingerprint: EC2 fingerprints a
    /// key pair it created by its private key (SHA-1) and the same key imported by its public key (MD5), so the
    /// original and its re-import never share one (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ImportKeyPair.html).
    /// </summary>
    public bool HoldsSameKeyAs(KeyPairInfo other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return KeyMaterial(PublicKey) is { } mine && mine == KeyMaterial(other.PublicKey);
    }

    /// <summary>"type base64", without the comment (EC2 appends the key name as one).</summary>
    private static string? KeyMaterial(string? publicKey) =>
        publicKey?.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var type, var body, ..] ? type + " " + body : null;
}

/// <summary>An EBS snapshot: its volume (vol-ffffffff when copied), its state (pending, completed, error, ...) and its tags.</summary>
public sealed record SnapshotInfo(string SnapshotId, string VolumeId, string State, DateTimeOffset StartTime, IReadOnlyDictionary<string, string> Tags)
{
    public const string Completed = "completed";

    public bool IsCompleted => State == Completed;
}

/// <summary>A stop of an isolated instance after its evidence was taken (<c>ec2-isolation stop</c>, or the stop step).</summary>
public sealed class InstanceStop
{
    public required string RequestedBy { get; init; }
    public required DateTimeOffset StoppedAt { get; init; }

    /// <summary>The instance's state before the stop (running, or stopped already): release starts it again only if it was running.</summary>
    public required string StateBefore { get; init; }

    /// <summary>True when it was stopped with --force although a snapshot was not completed.</summary>
    public bool Forced { get; init; }

    /// <summary>Snapshots that were not completed at the stop (a forced stop), as "snap-... (state)".</summary>
    public List<string> IncompleteSnapshots { get; set; } = [];

    /// <summary>When a release started it again; null until then.</summary>
    public DateTimeOffset? StartedAgainAt { get; set; }
}

/// <summary>A volume of a replacement, created from a snapshot of one of the isolated instance's volumes.</summary>
public sealed record SnapshotVolume(string DeviceName, string SnapshotId, string VolumeId);

/// <summary>An image registered from a root volume's snapshot (RegisterImage), with its other volumes' snapshots.</summary>
public sealed record ImageRegistration
{
    public required string Name { get; init; }
    public required BootTraits Boot { get; init; }

    /// <summary>The root first, then the data volumes.</summary>
    public required IReadOnlyList<SnapshotVolume> Volumes { get; init; }

    public required IReadOnlyDictionary<string, string> Tags { get; init; }
}
