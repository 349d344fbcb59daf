namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>The names of the steps that cut what security groups cannot.</summary>
public static partial class StepNames
{
    public const string NetworkAclCut = "network-acl-cut";
    public const string MetadataAndTracking = "metadata-and-tracking";
}
