namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>The names steps carry in records, logs and plans. Stable: records store them.</summary>
public static partial class StepNames
{
    public const string Network = "network";
    public const string InstanceProfile = "instance-profile";
    public const string CredentialRevocation = "credential-revocation";
    public const string AutoScalingStandby = "auto-scaling-standby";
    public const string TargetDeregistration = "target-deregistration";
    public const string Protection = "protection";
    public const string Volumes = "volumes";
    public const string Snapshots = "snapshots";
    public const string StatusTags = "status-tags";
}
