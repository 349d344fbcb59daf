using Ec2Isolation.Core.Isolation.Steps;

namespace Ec2Isolation.Core.Isolation;

/// <summary>
/// The steps in the order they are applied: the network first (every second counts), then credentials, then the
/// blast radius and the evidence, then the mark. Release restores them in the reverse order, the network last.
/// </summary>
internal static class IsolationSteps
{
    public static IReadOnlyList<IIsolationStep> InOrder { get; } =
    [
        new NetworkStep(),
        new NetworkAclCutStep(),
        new MetadataAndTrackingStep(),
        new InstanceProfileStep(),
        new CredentialRevocationStep(),
        new KeyPairStep(),
        new AutoScalingStandbyStep(),
        new TargetDeregistrationStep(),
        new ClassicLoadBalancersStep(),
        new ProtectionStep(),
        new VolumesStep(),
        new SnapshotsStep(),
        new StatusTagsStep(),
        new StopStep(),
    ];

    /// <summary>
    /// The EC2 evidence steps: each can wait for a continuation once the network is contained, when EC2 throttles them
    /// (<see cref="StepRunner.ApplyAsync"/>). Not the network's own steps (the ACL cut, metadata and connection
    /// tracking), nor the credential steps, nor those on other services' limits.
    /// </summary>
    public static IReadOnlySet<string> Deferrable { get; } =
        new HashSet<string>([StepNames.Protection, StepNames.Volumes, StepNames.Snapshots, StepNames.StatusTags], StringComparer.Ordinal);
}
