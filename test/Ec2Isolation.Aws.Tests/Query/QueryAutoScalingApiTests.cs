using Amazon.EC2.Model;
using Ec2Isolation.Aws.Query;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Query;

/// <remarks>
/// moto is not faithful here (moto.md): EnterStandby has no bounds checks (the desired capacity can go negative),
/// reconciliation can terminate Standby instances, and Standby does not deregister load balancer targets.
/// EnterStandby on an unknown group answers an HTML 500 (real AWS: ValidationError), which the client would retry.
/// </remarks>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class QueryAutoScalingApiTests(MotoServer moto) : QueryMotoTests(moto)
{
    private const string Group = "web-asg";

    private QueryAutoScalingApi Api => new(Query(QueryService.AutoScaling));

    [Fact]
    public async Task Standby_EnterThenExit_MovesTheInstanceOutAndBack()
    {
        var instanceId = await CreateGroupWithOneInstanceAsync();
        Assert.Equal(new AutoScalingMembership(Group, "InService"), await Api.DescribeMembershipAsync(instanceId, CancellationToken.None));

        await Api.EnterStandbyAsync(Group, instanceId, CancellationToken.None);
        Assert.Equal(new AutoScalingMembership(Group, "Standby"), await Api.DescribeMembershipAsync(instanceId, CancellationToken.None));

        await Api.ExitStandbyAsync(Group, instanceId, CancellationToken.None);
        Assert.Equal(new AutoScalingMembership(Group, "InService"), await Api.DescribeMembershipAsync(instanceId, CancellationToken.None));
    }

    [Fact]
    public async Task DescribeMembership_InstanceOutsideAnyGroup_ReturnsNull()
    {
        await CreateGroupWithOneInstanceAsync();
        var (_, subnetId) = await CreateSubnetAsync("10.2.0.0/16");

        Assert.Null(await Api.DescribeMembershipAsync(await RunInstanceAsync(subnetId), CancellationToken.None));
    }

    /// <summary>A group of 1 to 3 instances in a new subnet; moto launches the desired one at once.</summary>
    private async Task<string> CreateGroupWithOneInstanceAsync()
    {
        var (_, subnetId) = await CreateSubnetAsync("10.1.0.0/16");
        var template = await Ec2.CreateLaunchTemplateAsync(new CreateLaunchTemplateRequest
        {
            LaunchTemplateName = "web",
            LaunchTemplateData = new RequestLaunchTemplateData { ImageId = ImageId, InstanceType = Amazon.EC2.InstanceType.T3Micro },
        });
        await SetUpAsync(
            QueryService.AutoScaling,
            "CreateAutoScalingGroup",
            [
                new("AutoScalingGroupName", Group),
                new("LaunchTemplate.LaunchTemplateId", template.LaunchTemplate.LaunchTemplateId),
                new("LaunchTemplate.Version", "$Latest"),
                new("MinSize", "1"),
                new("MaxSize", "3"),
                new("DesiredCapacity", "1"),
                new("VPCZoneIdentifier", subnetId),
            ]);
        var groups = await SetUpAsync(QueryService.AutoScaling, "DescribeAutoScalingGroups", [new("AutoScalingGroupNames.member.1", Group)]);
        return Assert.Single(Assert.Single(groups.Members("AutoScalingGroups")).Members("Instances")).RequiredValue("InstanceId");
    }
}
