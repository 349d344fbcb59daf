using System.Net;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Ec2Isolation.Aws.Ec2;
using SecurityGroupRule = Ec2Isolation.Core.Model.SecurityGroupRule;
using Ec2Isolation.Core.Ports;
using Moq;

namespace Ec2Isolation.Aws.Tests.Ec2;

/// <summary>
/// The requests the adapter sends, where moto cannot show them: how many calls a set of rules takes, and the IPv6
/// addresses of an ENI (moto ignores <c>Ipv6AddressCount</c> and never assigns one).
/// </summary>
public sealed class AwsEc2ApiRequestTests
{
    private static readonly SecurityGroupRule[] Everything = [SecurityGroupRule.AllTraffic("0.0.0.0/0"), SecurityGroupRule.AllTraffic("::/0")];

    private readonly Mock<IAmazonEC2> _ec2 = new(MockBehavior.Strict);

    [Fact]
    public async Task AuthorizeAsync_NewRules_SendsThemInOneCallOnePermissionPerPortRange()
    {
        _ec2.Setup(ec2 => ec2.AuthorizeSecurityGroupIngressAsync(It.IsAny<AuthorizeSecurityGroupIngressRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new AuthorizeSecurityGroupIngressResponse());

        await new AwsEc2Api(_ec2.Object).AuthorizeAsync("sg-1", RuleDirection.Ingress, Everything, CancellationToken.None);

        _ec2.Verify(
            ec2 => ec2.AuthorizeSecurityGroupIngressAsync(It.Is<AuthorizeSecurityGroupIngressRequest>(r => r.GroupId == "sg-1" && IsEverything(r.IpPermissions)), It.IsAny<CancellationToken>()),
            Times.Once);
        _ec2.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task RevokeAsync_BatchRefusedAsNotFound_RevokesEachRuleOnItsOwn()
    {
        _ec2.Setup(ec2 => ec2.RevokeSecurityGroupEgressAsync(It.Is<RevokeSecurityGroupEgressRequest>(r => IsEverything(r.IpPermissions)), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new AmazonEC2Exception("The specified rule does not exist in this security group.", ErrorType.Sender, "InvalidPermission.NotFound", "request-1", HttpStatusCode.BadRequest));
        _ec2.Setup(ec2 => ec2.RevokeSecurityGroupEgressAsync(It.Is<RevokeSecurityGroupEgressRequest>(r => !IsEverything(r.IpPermissions)), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new RevokeSecurityGroupEgressResponse());

        await new AwsEc2Api(_ec2.Object).RevokeAsync("sg-1", RuleDirection.Egress, Everything, CancellationToken.None);

        _ec2.Verify(ec2 => ec2.RevokeSecurityGroupEgressAsync(It.Is<RevokeSecurityGroupEgressRequest>(r => !IsEverything(r.IpPermissions)), It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task AuthorizeAsync_OtherError_FailsWithoutRetryingRuleByRule()
    {
        _ec2.Setup(ec2 => ec2.AuthorizeSecurityGroupEgressAsync(It.IsAny<AuthorizeSecurityGroupEgressRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new AmazonEC2Exception("limit", ErrorType.Sender, "RulesPerSecurityGroupLimitExceeded", "request-1", HttpStatusCode.BadRequest));

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(
            () => new AwsEc2Api(_ec2.Object).AuthorizeAsync("sg-1", RuleDirection.Egress, Everything, CancellationToken.None));

        Assert.Equal("RulesPerSecurityGroupLimitExceeded", error.ErrorCode);
        _ec2.Verify(ec2 => ec2.AuthorizeSecurityGroupEgressAsync(It.IsAny<AuthorizeSecurityGroupEgressRequest>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    public async Task DescribeInstanceAsync_Ipv6AddressOrPrefix_UsesIpv6(bool address, bool prefix, bool expected)
    {
        var eni = new InstanceNetworkInterface
        {
            NetworkInterfaceId = "eni-1",
            Groups = [new() { GroupId = "sg-web" }],
            Ipv6Addresses = address ? [new() { Ipv6Address = "2001:db8::10" }] : null,
            Ipv6Prefixes = prefix ? [new() { Ipv6Prefix = "2001:db8:1::/80" }] : null,
        };
        var instance = new Instance { InstanceId = "i-1", State = new() { Name = InstanceStateName.Running }, VpcId = "vpc-1", NetworkInterfaces = [eni] };
        _ec2.Setup(ec2 => ec2.DescribeInstancesAsync(It.IsAny<DescribeInstancesRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new DescribeInstancesResponse { Reservations = [new() { OwnerId = "123456789012", Instances = [instance] }] });

        var described = await new AwsEc2Api(_ec2.Object).DescribeInstanceAsync("i-1", CancellationToken.None);

        Assert.Equal(expected, described!.UsesIpv6);
    }

    /// <summary>One all-traffic permission holding both 0.0.0.0/0 and ::/0.</summary>
    private static bool IsEverything(List<IpPermission> permissions) =>
        permissions is [{ IpProtocol: "-1", Ipv4Ranges: [{ CidrIp: "0.0.0.0/0" }], Ipv6Ranges: [{ CidrIpv6: "::/0" }] }];
}
