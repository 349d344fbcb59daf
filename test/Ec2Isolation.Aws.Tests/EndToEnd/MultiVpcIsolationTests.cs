using Amazon.EC2.Model;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.EndToEnd;

/// <summary>
/// An instance with a secondary ENI from another VPC of its Availability Zone (multi-VPC ENI attachments,
/// https://aws.amazon.com/about-aws/whats-new/2023/10/multi-vpc-eni-attachments/), over the real adapters against moto.
/// moto accepts another VPC's group on an ENI, which EC2 refuses (moto.md): the assertions read each ENI's groups and
/// each group's VPC, so that a group of the wrong VPC fails them.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class MultiVpcIsolationTests(MotoServer moto) : MotoAccountTests(moto)
{
    [Fact]
    public async Task IsolateAsync_EniFromAnotherVpc_EachEniInItsOwnVpcsQuarantineGroupAndReleaseRestoresBoth()
    {
        var web = await Account.Network.CreateGroupAsync("web");
        var instance = await Account.Network.RunInstanceAsync([web]);
        var other = await Ec2TestAccount.CreateAsync(Account.Ec2);
        var otherGroup = await other.CreateGroupAsync("partner");
        var foreign = (await Account.Ec2.CreateNetworkInterfaceAsync(new() { SubnetId = other.SubnetId, Groups = [otherGroup] })).NetworkInterface.NetworkInterfaceId;
        await Account.Ec2.AttachNetworkInterfaceAsync(new() { InstanceId = instance.InstanceId, NetworkInterfaceId = foreign, DeviceIndex = 1 });
        var service = Account.CreateService();

        var result = await service.IsolateAsync(new IsolationRequest(instance.InstanceId, RequestedBy: "tester"), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        var groupsOfVpc = await QuarantineGroupsByVpcAsync();
        Assert.Equal([groupsOfVpc[Account.Network.VpcId]], await GroupsOfAsync(instance.NetworkInterfaceIds[0]));
        Assert.Equal([groupsOfVpc[other.VpcId]], await GroupsOfAsync(foreign));
        Assert.Equal(groupsOfVpc[other.VpcId], Assert.Single(result.Record.Artifacts.OtherVpcGroups).QuarantineGroupId);

        await service.ReleaseAsync(new ReleaseRequest(instance.InstanceId, "tester"), CancellationToken.None);

        Assert.Equal([web], await GroupsOfAsync(instance.NetworkInterfaceIds[0]));
        Assert.Equal([otherGroup], await GroupsOfAsync(foreign));
    }

    /// <summary>The quarantine group of each VPC that has one.</summary>
    private async Task<Dictionary<string, string>> QuarantineGroupsByVpcAsync()
    {
        var response = await Account.Ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new("group-name", [Account.Settings.QuarantineGroupName])] });
        return response.SecurityGroups.ToDictionary(group => group.VpcId, group => group.GroupId);
    }

    private async Task<List<string>> GroupsOfAsync(string networkInterfaceId) =>
        [.. (await Account.Ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [networkInterfaceId] })).NetworkInterfaces[0].Groups.Select(g => g.GroupId)];
}
