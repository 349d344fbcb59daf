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
        new ProtectionStep(),
        new VolumesStep(),
        new SnapshotsStep(),
        new StatusTagsStep(),
        new StopStep(),
    ];
}
