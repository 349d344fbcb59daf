using Amazon.EC2.Model;

namespace Ec2Isolation.TestSupport;

/// <summary>
/// The instance that makes an isolation call every action it can: an Auto Scaling member behind a target group and
/// (unless asked otherwise) a Classic Load Balancer, with the application's instance profile (whose role gets the
/// revocation policy), three ENIs (the first with two groups), an EBS volume, and a tag of its own.
/// </summary>
/// <param name="Instance">The instance and its ENIs in device order.</param>
/// <param name="TargetGroupArn">The target group it is registered in, on port 8080.</param>
public sealed record WidestInstance(TestInstance Instance, string TargetGroupArn)
{
    public string InstanceId => Instance.InstanceId;

    /// <summary>The Classic Load Balancer it is registered with.</summary>
    public const string ClassicLoadBalancer = "legacy-web";

    /// <summary>Builds it in <paramref name="account"/>.</summary>
    /// <param name="behindClassicLoadBalancer">False for an instance as a release before Classic Load Balancers isolated it.</param>
    public static async Task<WidestInstance> CreateAsync(MotoAccount account, bool behindClassicLoadBalancer = true)
    {
        ArgumentNullException.ThrowIfNull(account);
        var web = await account.Network.CreateGroupAsync("web");
        var ssh = await account.Network.CreateGroupAsync("ssh");
        var db = await account.Network.CreateGroupAsync("db");
        var (instanceId, targetGroupArn) = await account.CreateAutoScalingMemberBehindTargetGroupAsync(web);
        var ec2 = account.Ec2;
        var instance = (await ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] })).Reservations[0].Instances[0];
        var first = instance.NetworkInterfaces[0].NetworkInterfaceId;
        await ec2.ModifyNetworkInterfaceAttributeAsync(new() { NetworkInterfaceId = first, Groups = [web, ssh] });
        var interfaceIds = new List<string> { first };
        foreach (var (groups, deviceIndex) in new[] { ([db], 1), (new List<string> { web, db }, 2) })
        {
            var created = await ec2.CreateNetworkInterfaceAsync(new() { SubnetId = account.Network.SubnetId, Groups = groups });
            var interfaceId = created.NetworkInterface.NetworkInterfaceId;
            await ec2.AttachNetworkInterfaceAsync(new() { InstanceId = instanceId, NetworkInterfaceId = interfaceId, DeviceIndex = deviceIndex });
            interfaceIds.Add(interfaceId);
        }

        await account.AssociateAppProfileAsync(instanceId);
        if (behindClassicLoadBalancer)
        {
            await account.CreateClassicLoadBalancerAsync(ClassicLoadBalancer, instanceId);
        }

        await ec2.CreateTagsAsync(new() { Resources = [instanceId], Tags = [new("team", "web")] });
        return new WidestInstance(new TestInstance(instanceId, interfaceIds), targetGroupArn);
    }
}
