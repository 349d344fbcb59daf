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

    /// <summary>Where the image comes from, for people: the AMI, or the launch template and version.</summary>
    public string Source => ImageId ?? $"launch template {LaunchTemplate?.LaunchTemplateId} version {LaunchTemplate?.Version}";
}
