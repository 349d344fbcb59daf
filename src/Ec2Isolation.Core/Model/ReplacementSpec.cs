namespace Ec2Isolation.Core.Model;

/// <summary>A launch template version, by id.</summary>
public sealed record LaunchTemplateReference(string LaunchTemplateId, string Version);

/// <summary>
/// The clean replacement of an isolated instance, as one RunInstances call: from an AMI or from a launch template (exactly
/// one of the two), with one network interface in the subnet of the isolated instance.
/// </summary>
public sealed record ReplacementSpec
{
    public string? ImageId { get; init; }
    public LaunchTemplateReference? LaunchTemplate { get; init; }
    public required string InstanceType { get; init; }
    public required string SubnetId { get; init; }

    /// <summary>The groups of the primary network interface (device index 0).</summary>
    public required IReadOnlyList<string> SecurityGroupIds { get; init; }

    public string? InstanceProfileArn { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }

    /// <summary>Makes the launch idempotent: a rerun after a launch that was not recorded gets the same instance back.</summary>
    public required string ClientToken { get; init; }

    /// <summary>The volumes, when the image was registered from snapshots of the isolated instance's volumes (root first); else empty.</summary>
    public IReadOnlyList<SnapshotVolume> Volumes { get; init; } = [];

    /// <summary>Where the image comes from, for people: the AMI (and the snapshots it was registered from), or the launch template and version.</summary>
    public string Source => Volumes.Count > 0
        ? $"{ImageId} registered from {string.Join(", ", Volumes.Select(volume => $"{volume.SnapshotId} ({volume.DeviceName})"))}"
        : ImageId ?? $"launch template {LaunchTemplate?.LaunchTemplateId} version {LaunchTemplate?.Version}";
}
