using Ec2Isolation.Aws.Ec2;
using Ec2Isolation.Aws.Query;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Query;

/// <remarks>
/// moto is not faithful here (moto.md): targets are healthy at once and deregistration has no draining, so a
/// deregistered target is gone immediately (real ELBv2 lists it as draining for the deregistration delay).
/// moto also accepts an instance of another VPC as a target (real ELBv2 refuses), which the VPC test relies on.
/// </remarks>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class QueryLoadBalancingApiTests(MotoServer moto) : QueryMotoTests(moto)
{
    private QueryLoadBalancingApi Api => new(Query(QueryService.ElasticLoadBalancingV2));

    [Fact]
    public async Task FindRegistrations_RegisteredInstance_FindsItWithItsPort()
    {
        var (vpcId, instanceId, registration) = await RegisterInstanceAsync();

        Assert.Equal([registration], await Api.FindRegistrationsAsync(await DescribeAsync(instanceId), CancellationToken.None));
    }

    [Fact]
    public async Task DeregisterThenRegister_Registration_IsGoneThenBack()
    {
        var (vpcId, instanceId, registration) = await RegisterInstanceAsync();

        await Api.DeregisterAsync(instanceId, registration, CancellationToken.None);
        Assert.Empty(await Api.FindRegistrationsAsync(await DescribeAsync(instanceId), CancellationToken.None));

        await Api.RegisterAsync(instanceId, registration, CancellationToken.None);
        Assert.Equal([registration], await Api.FindRegistrationsAsync(await DescribeAsync(instanceId), CancellationToken.None));
    }

    [Fact]
    public async Task FindRegistrations_TargetGroupInAnotherVpc_IsIgnored()
    {
        var (vpcId, instanceId, registration) = await RegisterInstanceAsync();
        var (otherVpcId, _) = await CreateSubnetAsync("10.2.0.0/16");
        await Api.RegisterAsync(instanceId, new TargetRegistration(await CreateTargetGroupAsync("other", otherVpcId), 80, null), CancellationToken.None);

        Assert.Equal([registration], await Api.FindRegistrationsAsync(await DescribeAsync(instanceId), CancellationToken.None));
    }

    [Fact]
    public async Task FindRegistrations_AddressInIpTargetGroup_FoundByAddressAndDeregisteredThenRegistered()
    {
        var (vpcId, instanceId, byId) = await RegisterInstanceAsync();
        var instance = await DescribeAsync(instanceId);
        var address = instance.PrivateAddresses.Single().Addresses[0];
        var byAddress = new TargetRegistration(await CreateTargetGroupAsync("ip-web", vpcId, "ip"), 443, null, address);
        await Api.RegisterAsync(instanceId, byAddress, CancellationToken.None);
        await Api.RegisterAsync(instanceId, byAddress with { IpAddress = "10.1.99.99" }, CancellationToken.None);

        Assert.Equal([byId, byAddress], (await Api.FindRegistrationsAsync(instance, CancellationToken.None)).OrderBy(r => r.IpAddress));

        await Api.DeregisterAsync(instanceId, byAddress, CancellationToken.None);
        Assert.Equal([byId], await Api.FindRegistrationsAsync(instance, CancellationToken.None));
        await Api.RegisterAsync(instanceId, byAddress, CancellationToken.None);
        Assert.Contains(byAddress, await Api.FindRegistrationsAsync(instance, CancellationToken.None));
    }

    [Fact]
    public async Task Register_TargetGroupDeleted_ResourceGone()
    {
        var (_, instanceId, registration) = await RegisterInstanceAsync();
        await SetUpAsync(QueryService.ElasticLoadBalancingV2, "DeleteTargetGroup", [new("TargetGroupArn", registration.TargetGroupArn)]);

        await Assert.ThrowsAsync<Core.Ports.ResourceGoneException>(() => Api.RegisterAsync(instanceId, registration, CancellationToken.None));
    }

    [Fact]
    public async Task FindTargetGroups_InstanceInTwoGroupsOfOneAlb_BothGroupsWithTheAlb()
    {
        var (vpcId, instanceId, registration) = await RegisterInstanceAsync();
        var health = new TargetRegistration(await CreateTargetGroupAsync("web-health", vpcId), 8081, null);
        await Api.RegisterAsync(instanceId, health, CancellationToken.None);
        await CreateTargetGroupAsync("idle", vpcId);
        var subnetId = (await DescribeAsync(instanceId)).SubnetId!;
        var alb = Assert.Single((await SetUpAsync(
            QueryService.ElasticLoadBalancingV2, "CreateLoadBalancer", [new("Name", "web-alb"), new("Subnets.member.1", subnetId), new("Type", "application")]))
            .Members("LoadBalancers")).RequiredValue("LoadBalancerArn");
        foreach (var (port, group) in new[] { ("80", registration.TargetGroupArn), ("8081", health.TargetGroupArn) })
        {
            await SetUpAsync(QueryService.ElasticLoadBalancingV2, "CreateListener",
            [
                new("LoadBalancerArn", alb), new("Protocol", "HTTP"), new("Port", port),
                new("DefaultActions.member.1.Type", "forward"), new("DefaultActions.member.1.TargetGroupArn", group),
            ]);
        }

        var found = await Api.FindTargetGroupsAsync(await DescribeAsync(instanceId), CancellationToken.None);

        Assert.Equal(["web", "web-health"], found.Select(group => group.TargetGroupName).Order(StringComparer.Ordinal));
        Assert.All(found, group => Assert.Equal(["web-alb"], group.LoadBalancerNames));
    }

    /// <summary>A new instance registered on port 8080 in an instance-type target group of its VPC.</summary>
    private async Task<(string VpcId, string InstanceId, TargetRegistration Registration)> RegisterInstanceAsync()
    {
        var (vpcId, subnetId) = await CreateSubnetAsync("10.1.0.0/16");
        var instanceId = await RunInstanceAsync(subnetId);
        var registration = new TargetRegistration(await CreateTargetGroupAsync("web", vpcId), 8080, null);
        await Api.RegisterAsync(instanceId, registration, CancellationToken.None);
        return (vpcId, instanceId, registration);
    }

    private async Task<InstanceDescription> DescribeAsync(string instanceId) =>
        (await new AwsEc2Api(Ec2).DescribeInstanceAsync(instanceId, CancellationToken.None))!;

    private async Task<string> CreateTargetGroupAsync(string name, string vpcId, string targetType = "instance")
    {
        var result = await SetUpAsync(
            QueryService.ElasticLoadBalancingV2,
            "CreateTargetGroup",
            [
                new("Name", name),
                new("Protocol", "HTTP"),
                new("Port", "80"),
                new("VpcId", vpcId),
                new("TargetType", targetType),
            ]);
        return Assert.Single(result.Members("TargetGroups")).RequiredValue("TargetGroupArn");
    }
}
