using Amazon.EC2;
using Amazon.EC2.Model;
using Ec2Isolation.Aws.Query;

namespace Ec2Isolation.TestSupport;

/// <summary>
/// What isolation changes and release restores, read from the emulator and flattened to compare by value: the groups
/// of each ENI, the associated profile, the protection flags, DeleteOnTermination per volume, the tags, the Auto
/// Scaling lifecycle state, the target registrations and the Classic Load Balancers.
/// </summary>
/// <param name="AutoScaling">The lifecycle state in its Auto Scaling group; null when not a member.</param>
/// <param name="Targets">Every registration of the instance, as target-group-name:port.</param>
/// <param name="ClassicLoadBalancers">The Classic Load Balancers the instance is registered with, by name.</param>
public sealed record InstanceSnapshot(
    string Groups, string? Profile, (bool, bool, string) Protection, string Volumes, string Tags, string? AutoScaling = null, string Targets = "",
    string ClassicLoadBalancers = "");

/// <summary>
/// Reads of an instance's configuration from the emulator, as moto models it faithfully (moto.md): ENI groups on the
/// ENIs, the profile through DescribeIamInstanceProfileAssociations, the flags through DescribeInstanceAttribute.
/// </summary>
public static class InstanceReads
{
    public static async Task<InstanceSnapshot> SnapshotAsync(this MotoAccount account, TestInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return new(
            string.Join(";", (await account.EniGroupsAsync(instance)).Select(groups => string.Join(",", groups))),
            await account.ProfileArnAsync(instance.InstanceId),
            await account.ProtectionAsync(instance.InstanceId),
            string.Join(";", (await account.VolumesAsync(instance.InstanceId)).Select(v => $"{v.VolumeId}:{v.DeleteOnTermination}")),
            string.Join(";", (await account.TagsAsync(instance.InstanceId)).OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}")),
            await account.LifecycleStateAsync(instance.InstanceId),
            string.Join(";", await account.RegistrationsAsync(instance.InstanceId)),
            string.Join(";", await account.ClassicLoadBalancersAsync(instance.InstanceId)));
    }

    /// <summary>The groups of each ENI, in the order of <see cref="TestInstance.NetworkInterfaceIds"/>.</summary>
    public static async Task<List<List<string>>> EniGroupsAsync(this MotoAccount account, TestInstance instance)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(instance);
        var response = await account.Ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [.. instance.NetworkInterfaceIds] });
        return [.. instance.NetworkInterfaceIds.Select(id =>
            response.NetworkInterfaces.Single(eni => eni.NetworkInterfaceId == id).Groups.Select(g => g.GroupId).ToList())];
    }

    /// <summary>The one security group of that name in the account.</summary>
    public static async Task<SecurityGroup> GroupAsync(this MotoAccount account, string name)
    {
        ArgumentNullException.ThrowIfNull(account);
        return (await account.Ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new("group-name", [name])] })).SecurityGroups.Single();
    }

    public static async Task<string?> ProfileArnAsync(this MotoAccount account, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(account);
        return (await account.Ec2.DescribeIamInstanceProfileAssociationsAsync(new()
        {
            Filters = [new("instance-id", [instanceId]), new("state", ["associated"])],
        })).IamInstanceProfileAssociations?.SingleOrDefault()?.IamInstanceProfile.Arn;
    }

    /// <returns>Termination protection, stop protection, shutdown behaviour.</returns>
    public static async Task<(bool, bool, string)> ProtectionAsync(this MotoAccount account, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(account);
        var ec2 = account.Ec2;
        var termination = await ec2.DescribeInstanceAttributeAsync(new(instanceId, InstanceAttributeName.DisableApiTermination));
        var stop = await ec2.DescribeInstanceAttributeAsync(new(instanceId, InstanceAttributeName.DisableApiStop));
        var shutdown = await ec2.DescribeInstanceAttributeAsync(new(instanceId, InstanceAttributeName.InstanceInitiatedShutdownBehavior));
        return (termination.InstanceAttribute.DisableApiTermination == true, stop.InstanceAttribute.DisableApiStop == true,
            shutdown.InstanceAttribute.InstanceInitiatedShutdownBehavior);
    }

    public static async Task<List<EbsInstanceBlockDevice>> VolumesAsync(this MotoAccount account, string instanceId) =>
        [.. (await account.InstanceAsync(instanceId)).BlockDeviceMappings.Select(mapping => mapping.Ebs)];

    public static async Task<Dictionary<string, string>> TagsAsync(this MotoAccount account, string instanceId) =>
        (await account.InstanceAsync(instanceId)).Tags?.ToDictionary(tag => tag.Key, tag => tag.Value) ?? [];

    public static async Task<Instance> InstanceAsync(this MotoAccount account, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(account);
        return (await account.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] })).Reservations.Single().Instances.Single();
    }

    /// <summary>The instance's lifecycle state in its Auto Scaling group; null when it is in none.</summary>
    public static async Task<string?> LifecycleStateAsync(this MotoAccount account, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(account);
        var found = await account.QueryAsync(QueryService.AutoScaling, "DescribeAutoScalingInstances", new KeyValuePair<string, string>("InstanceIds.member.1", instanceId));
        return found.Members("AutoScalingInstances").SingleOrDefault()?.RequiredValue("LifecycleState");
    }

    /// <summary>The targets registered in a target group: (id, port).</summary>
    public static async Task<List<(string, string)>> TargetsAsync(this MotoAccount account, string targetGroupArn)
    {
        ArgumentNullException.ThrowIfNull(account);
        return [.. (await account.QueryAsync(QueryService.ElasticLoadBalancingV2, "DescribeTargetHealth",
            new KeyValuePair<string, string>("TargetGroupArn", targetGroupArn))).Members("TargetHealthDescriptions")
            .Select(d => d.Child("Target")!).Select(t => (t.RequiredValue("Id"), t.RequiredValue("Port")))];
    }

    /// <summary>Every registration of the instance in the account's target groups, as name:port, sorted.</summary>
    public static async Task<List<string>> RegistrationsAsync(this MotoAccount account, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(account);
        var registrations = new List<string>();
        var groups = await account.QueryAsync(QueryService.ElasticLoadBalancingV2, "DescribeTargetGroups");
        foreach (var group in groups.Members("TargetGroups"))
        {
            var targets = await account.TargetsAsync(group.RequiredValue("TargetGroupArn"));
            registrations.AddRange(targets.Where(target => target.Item1 == instanceId).Select(target => $"{group.RequiredValue("TargetGroupName")}:{target.Item2}"));
        }

        return [.. registrations.Order(StringComparer.Ordinal)];
    }

    /// <summary>The Classic Load Balancers whose registered instances list the instance, by name, sorted.</summary>
    public static async Task<List<string>> ClassicLoadBalancersAsync(this MotoAccount account, string instanceId)
    {
        ArgumentNullException.ThrowIfNull(account);
        var found = await account.QueryAsync(QueryService.ElasticLoadBalancing, "DescribeLoadBalancers");
        return [.. found.Members("LoadBalancerDescriptions")
            .Where(lb => lb.Members("Instances").Any(instance => instance.ChildValue("InstanceId") == instanceId))
            .Select(lb => lb.RequiredValue("LoadBalancerName"))
            .Order(StringComparer.Ordinal)];
    }
}
