using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Tests.Fakes;

/// <summary>
/// Resources deleted during an isolation, refused as AWS refuses them (each adapter turns the documented answer into
/// <see cref="ResourceGoneException"/>): EC2 <c>InvalidGroup.NotFound</c>
/// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html), ELBv2 <c>TargetGroupNotFound</c>
/// (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_RegisterTargets.html), Auto Scaling
/// <c>ValidationError</c> "AutoScalingGroup name not found" (https://github.com/aws/aws-sdk-go/issues/1151), EC2
/// <c>InvalidParameterValue</c> "Invalid IAM Instance Profile ARN" (https://github.com/lacework/go-sdk/pull/1045), EC2
/// <c>InvalidNetworkInterfaceID.NotFound</c> for a deleted network interface (errors-overview above).
/// </summary>
internal sealed partial class FakeCloud
{
    public HashSet<string> DeletedGroupIds { get; } = [];
    public HashSet<string> DeletedTargetGroups { get; } = [];
    public HashSet<string> DeletedAutoScalingGroups { get; } = [];
    public HashSet<string> DeletedProfiles { get; } = [];
    public HashSet<string> DeletedInterfaces { get; } = [];

    public Task<IReadOnlyList<string>> FindExistingSecurityGroupIdsAsync(string vpcId, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken) =>
        Call("DescribeSecurityGroups:ids", () => (IReadOnlyList<string>)[.. groupIds.Where(id => !DeletedGroupIds.Contains(id))]);

    private void ThrowIfGroupGone(IEnumerable<string> groupIds)
    {
        if (groupIds.FirstOrDefault(DeletedGroupIds.Contains) is { } gone)
        {
            throw new SecurityGroupNotFoundException($"InvalidGroup.NotFound: The security group '{gone}' does not exist");
        }
    }

    private void ThrowIfInterfaceGone(string networkInterfaceId)
    {
        if (DeletedInterfaces.Contains(networkInterfaceId))
        {
            throw new ResourceGoneException($"InvalidNetworkInterfaceID.NotFound: The networkInterface ID '{networkInterfaceId}' does not exist");
        }
    }

    private void ThrowIfProfileGone(string profile)
    {
        if (DeletedProfiles.Contains(ToArn(profile)))
        {
            throw new ResourceGoneException($"InvalidParameterValue: Value ({ToArn(profile)}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN");
        }
    }

    private void ThrowIfAutoScalingGroupGone(string groupName)
    {
        if (DeletedAutoScalingGroups.Contains(groupName))
        {
            throw new ResourceGoneException("ValidationError: AutoScalingGroup name not found");
        }
    }

    private void ThrowIfTargetGroupGone(string targetGroupArn)
    {
        if (DeletedTargetGroups.Contains(targetGroupArn))
        {
            throw new ResourceGoneException($"TargetGroupNotFound: Target groups '{targetGroupArn}' not found");
        }
    }
}
