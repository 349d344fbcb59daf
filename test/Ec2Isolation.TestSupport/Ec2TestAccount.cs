using Amazon.EC2;

namespace Ec2Isolation.TestSupport;

/// <summary>An instance built by <see cref="Ec2TestAccount"/>: its id and its ENIs in device order.</summary>
public sealed record TestInstance(string InstanceId, IReadOnlyList<string> NetworkInterfaceIds);

/// <summary>
/// Builds EC2 test state in the emulator with the SDK itself: a VPC (optionally dual-stack) with one subnet,
/// security groups in it, and instances whose ENIs carry given groups.
/// </summary>
public sealed class Ec2TestAccount
{
    /// <summary>One of the AMIs moto ships with.</summary>
    public const string ImageId = "ami-12c6146b";

    private Ec2TestAccount(IAmazonEC2 ec2, string vpcId, string subnetId)
    {
        Ec2 = ec2;
        VpcId = vpcId;
        SubnetId = subnetId;
    }

    public IAmazonEC2 Ec2 { get; }

    public string VpcId { get; }

    public string SubnetId { get; }

    /// <summary>A new VPC (with an Amazon-provided IPv6 block when <paramref name="dualStack"/>) and a subnet in it.</summary>
    public static async Task<Ec2TestAccount> CreateAsync(IAmazonEC2 ec2, bool dualStack = false)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        var vpc = (await ec2.CreateVpcAsync(new() { CidrBlock = "10.0.0.0/16", AmazonProvidedIpv6CidrBlock = dualStack })).Vpc;
        var subnet = (await ec2.CreateSubnetAsync(new() { VpcId = vpc.VpcId, CidrBlock = "10.0.0.0/24" })).Subnet;
        return new(ec2, vpc.VpcId, subnet.SubnetId);
    }

    /// <summary>
    /// Tags the instance for isolation as an analyst would, before its Tag Change event is delivered: the function acts
    /// on a tag event only while the instance still carries the tag (a stale or replayed event changes nothing).
    /// </summary>
    public Task ApplyTriggerTagAsync(string instanceId, string key = "ec2-isolation", string value = "isolate") =>
        Ec2.CreateTagsAsync(new() { Resources = [instanceId], Tags = [new(key, value)] });

    public async Task<string> CreateGroupAsync(string groupName) =>
        (await Ec2.CreateSecurityGroupAsync(new() { VpcId = VpcId, GroupName = groupName, Description = groupName })).GroupId;

    /// <summary>
    /// An instance with one ENI per entry, the first at device index 0 (launched with it), the others attached after.
    /// The groups are set on the ENIs, never through <c>SecurityGroupIds</c>: moto merges that instance-level list
    /// into every ENI's groups and never changes it.
    /// </summary>
    public async Task<TestInstance> RunInstanceAsync(params IReadOnlyList<IReadOnlyList<string>> groupsPerInterface)
    {
        ArgumentNullException.ThrowIfNull(groupsPerInterface);
        var run = await Ec2.RunInstancesAsync(new()
        {
            ImageId = ImageId,
            InstanceType = InstanceType.T3Micro,
            MinCount = 1,
            MaxCount = 1,
            NetworkInterfaces = [new() { DeviceIndex = 0, SubnetId = SubnetId, Groups = [.. groupsPerInterface[0]] }],
        });
        var instance = run.Reservation.Instances[0];
        var interfaceIds = new List<string> { instance.NetworkInterfaces[0].NetworkInterfaceId };
        for (var index = 1; index < groupsPerInterface.Count; index++)
        {
            var created = await Ec2.CreateNetworkInterfaceAsync(new() { SubnetId = SubnetId, Groups = [.. groupsPerInterface[index]] });
            var interfaceId = created.NetworkInterface.NetworkInterfaceId;
            await Ec2.AttachNetworkInterfaceAsync(new() { InstanceId = instance.InstanceId, NetworkInterfaceId = interfaceId, DeviceIndex = index });
            interfaceIds.Add(interfaceId);
        }

        return new(instance.InstanceId, interfaceIds);
    }

    /// <summary>
    /// An instance launched from a new launch template (the test AMI, t3.small, nothing about the network), its one ENI
    /// carrying <paramref name="groups"/>; EC2 tags it with the template's id and version (1).
    /// </summary>
    public async Task<(TestInstance Instance, string LaunchTemplateId)> RunFromLaunchTemplateAsync(IReadOnlyList<string> groups)
    {
        var template = await Ec2.CreateLaunchTemplateAsync(new()
        {
            LaunchTemplateName = "template-" + Guid.NewGuid().ToString("N"),
            LaunchTemplateData = new() { ImageId = ImageId, InstanceType = InstanceType.T3Small },
        });
        var templateId = template.LaunchTemplate.LaunchTemplateId;
        var run = await Ec2.RunInstancesAsync(new()
        {
            MinCount = 1,
            MaxCount = 1,
            LaunchTemplate = new() { LaunchTemplateId = templateId, Version = "1" },
            NetworkInterfaces = [new() { DeviceIndex = 0, SubnetId = SubnetId, Groups = [.. groups] }],
        });
        var instance = run.Reservation.Instances[0];
        return (new(instance.InstanceId, [instance.NetworkInterfaces[0].NetworkInterfaceId]), templateId);
    }
}
