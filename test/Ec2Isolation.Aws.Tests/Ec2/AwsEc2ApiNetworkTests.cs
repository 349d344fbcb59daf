using System.Net;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Ec2Isolation.Aws.Ec2;
using Ec2Isolation.Core.Ports;
using Moq;

namespace Ec2Isolation.Aws.Tests.Ec2;

/// <summary>
/// What moto cannot show of the network: EC2's InvalidGroup.NotFound (a group not yet known, or one of another VPC),
/// ENIs of several VPCs and trunk ENIs in DescribeInstances, and the search for branch ENIs (moto makes no trunk ENI
/// and does not implement DescribeTrunkInterfaceAssociations).
/// </summary>
public sealed class AwsEc2ApiNetworkTests
{
    private readonly Mock<IAmazonEC2> _ec2 = new(MockBehavior.Strict);

    [Fact]
    public async Task SetNetworkInterfaceGroupsAsync_GroupNotKnownYet_SecurityGroupNotFound()
    {
        _ec2.Setup(ec2 => ec2.ModifyNetworkInterfaceAttributeAsync(It.IsAny<ModifyNetworkInterfaceAttributeRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(Ec2Error("InvalidGroup.NotFound", "The security group 'sg-new' does not exist"));

        await Assert.ThrowsAsync<SecurityGroupNotFoundException>(
            () => new AwsEc2Api(_ec2.Object).SetNetworkInterfaceGroupsAsync("eni-1", ["sg-new"], CancellationToken.None));
    }

    [Fact]
    public async Task SetNetworkInterfaceGroupsAsync_GroupOfAnotherVpc_Ec2ErrorKeptNotRetried()
    {
        _ec2.Setup(ec2 => ec2.ModifyNetworkInterfaceAttributeAsync(It.IsAny<ModifyNetworkInterfaceAttributeRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(Ec2Error("InvalidGroup.NotFound", "You have specified two resources that belong to different networks."));

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(
            () => new AwsEc2Api(_ec2.Object).SetNetworkInterfaceGroupsAsync("eni-1", ["sg-other-vpc"], CancellationToken.None));

        Assert.Equal("InvalidGroup.NotFound", error.ErrorCode);
    }

    [Fact]
    public async Task AuthorizeAsync_GroupNotKnownYet_SecurityGroupNotFound()
    {
        _ec2.Setup(ec2 => ec2.AuthorizeSecurityGroupIngressAsync(It.IsAny<AuthorizeSecurityGroupIngressRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(Ec2Error("InvalidGroup.NotFound", "The security group 'sg-new' does not exist"));

        await Assert.ThrowsAsync<SecurityGroupNotFoundException>(() => new AwsEc2Api(_ec2.Object).AuthorizeAsync(
            "sg-new", RuleDirection.Ingress, [Core.Model.SecurityGroupRule.AllTraffic("0.0.0.0/0")], CancellationToken.None));
    }

    [Fact]
    public async Task DescribeInstanceAsync_EnisOfTwoVpcsOneATrunk_EachEnisVpcAndTrunkRead()
    {
        var instance = new Instance
        {
            InstanceId = "i-1",
            State = new() { Name = InstanceStateName.Running },
            VpcId = "vpc-1",
            NetworkInterfaces =
            [
                new() { NetworkInterfaceId = "eni-trunk", VpcId = "vpc-1", InterfaceType = "trunk", Groups = [new() { GroupId = "sg-node" }] },
                new() { NetworkInterfaceId = "eni-other", VpcId = "vpc-2", InterfaceType = "interface", Groups = [new() { GroupId = "sg-other" }], Attachment = new() { DeviceIndex = 1 } },
            ],
        };
        _ec2.Setup(ec2 => ec2.DescribeInstancesAsync(It.IsAny<DescribeInstancesRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DescribeInstancesResponse { Reservations = [new() { OwnerId = "123456789012", Instances = [instance] }] });

        var described = await new AwsEc2Api(_ec2.Object).DescribeInstanceAsync("i-1", CancellationToken.None);

        Assert.Equal([("eni-trunk", "vpc-1", true), ("eni-other", "vpc-2", false)], described!.NetworkInterfaces.Select(eni => (eni.NetworkInterfaceId, eni.VpcId, eni.IsTrunk)));
    }

    [Fact]
    public async Task FindBranchInterfacesAsync_TaggedByEksAndAssociatedOnly_BothFoundWithTheirTrunk()
    {
        SetUpTagSearch(Branch("eni-pod", "eni-trunk", "sg-pod", tagged: true));
        _ec2.Setup(ec2 => ec2.DescribeTrunkInterfaceAssociationsAsync(It.IsAny<DescribeTrunkInterfaceAssociationsRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DescribeTrunkInterfaceAssociationsResponse
            {
                InterfaceAssociations =
                [
                    new() { BranchInterfaceId = "eni-pod", TrunkInterfaceId = "eni-trunk" },
                    new() { BranchInterfaceId = "eni-task", TrunkInterfaceId = "eni-trunk" },
                    new() { BranchInterfaceId = "eni-elsewhere", TrunkInterfaceId = "eni-other-trunk" },
                ],
            });
        _ec2.Setup(ec2 => ec2.DescribeNetworkInterfacesAsync(
                It.Is<DescribeNetworkInterfacesRequest>(r => r.Filters[0].Name == "network-interface-id" && r.Filters[0].Values.SequenceEqual(new[] { "eni-task" })),
                It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DescribeNetworkInterfacesResponse { NetworkInterfaces = [Branch("eni-task", "eni-trunk", "sg-task", tagged: false)] });

        var branches = await new AwsEc2Api(_ec2.Object).FindBranchInterfacesAsync(["eni-trunk"], CancellationToken.None);

        Assert.Equal(
            [("eni-pod", "eni-trunk", "sg-pod", "vpc-1"), ("eni-task", "eni-trunk", "sg-task", "vpc-1")],
            branches.Found.Select(eni => (eni.NetworkInterfaceId, eni.TrunkInterfaceId, eni.GroupIds.Single(), eni.VpcId)).Order());
        Assert.Empty(branches.Gaps);
    }

    [Fact]
    public async Task FindBranchInterfacesAsync_AssociationsRefused_TaggedBranchesFoundAndTheGapSaid()
    {
        SetUpTagSearch(Branch("eni-pod", "eni-trunk", "sg-pod", tagged: true));
        _ec2.Setup(ec2 => ec2.DescribeTrunkInterfaceAssociationsAsync(It.IsAny<DescribeTrunkInterfaceAssociationsRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(Ec2Error("UnauthorizedOperation", "You are not authorized to perform this operation."));

        var branches = await new AwsEc2Api(_ec2.Object).FindBranchInterfacesAsync(["eni-trunk"], CancellationToken.None);

        Assert.Equal(["eni-pod"], branches.Found.Select(eni => eni.NetworkInterfaceId));
        Assert.Contains("DescribeTrunkInterfaceAssociations failed", Assert.Single(branches.Gaps), StringComparison.Ordinal);
    }

    private void SetUpTagSearch(params NetworkInterface[] tagged) =>
        _ec2.Setup(ec2 => ec2.DescribeNetworkInterfacesAsync(
                It.Is<DescribeNetworkInterfacesRequest>(r => r.Filters[0].Name == "tag:vpcresources.k8s.aws/trunk-eni-id"), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DescribeNetworkInterfacesResponse { NetworkInterfaces = [.. tagged] });

    private static NetworkInterface Branch(string id, string trunk, string group, bool tagged) => new()
    {
        NetworkInterfaceId = id,
        VpcId = "vpc-1",
        InterfaceType = "branch",
        Groups = [new() { GroupId = group }],
        TagSet = tagged ? [new("vpcresources.k8s.aws/trunk-eni-id", trunk)] : null,
    };

    private static AmazonEC2Exception Ec2Error(string code, string message) =>
        new(message, ErrorType.Sender, code, "request-1", HttpStatusCode.BadRequest);
}
