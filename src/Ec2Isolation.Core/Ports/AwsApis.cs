namespace Ec2Isolation.Core.Ports;

/// <summary>The AWS calls one run makes, bundled so that a dry run can swap them for planning decorators.</summary>
public sealed record AwsApis(
    IEc2Api Ec2,
    IIamApi Iam,
    IAutoScalingApi AutoScaling,
    ILoadBalancingApi LoadBalancing,
    IRecordStore Records,
    IRoleRevocationStore RoleRevocations,
    IClassicLoadBalancingApi ClassicLoadBalancing);
