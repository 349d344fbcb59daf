using System.Net;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Ec2Isolation.Aws.Ec2;
using Ec2Isolation.Core.Ports;
using Moq;

namespace Ec2Isolation.Aws.Tests.Ec2;

/// <summary>UnauthorizedOperation cannot be provoked in moto (it does not enforce IAM here): a mock client answers it.</summary>
public sealed class AwsEc2ApiPermissionTests
{
    private readonly Mock<IAmazonEC2> _ec2 = new(MockBehavior.Strict);

    public AwsEc2ApiPermissionTests() =>
        _ec2.Setup(ec2 => ec2.ModifyNetworkInterfaceAttributeAsync(It.IsAny<ModifyNetworkInterfaceAttributeRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new AmazonEC2Exception("You are not authorized to perform this operation.", ErrorType.Sender, "UnauthorizedOperation", "request-1", HttpStatusCode.Forbidden));

    [Fact]
    public async Task SetNetworkInterfaceGroupsAsync_DryRunUnauthorized_ThrowsPermissionDeniedWithAwsMessage()
    {
        var error = await Assert.ThrowsAsync<PermissionDeniedException>(
            () => new AwsEc2Api(_ec2.Object, dryRun: true).SetNetworkInterfaceGroupsAsync("eni-1", ["sg-1"], CancellationToken.None));

        Assert.Equal("You are not authorized to perform this operation.", error.Message);
        _ec2.Verify(ec2 => ec2.ModifyNetworkInterfaceAttributeAsync(It.Is<ModifyNetworkInterfaceAttributeRequest>(r => r.DryRun == true), It.IsAny<CancellationToken>()));
    }

    [Fact]
    public async Task SetNetworkInterfaceGroupsAsync_LiveUnauthorized_ThrowsTheAwsError()
    {
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(
            () => new AwsEc2Api(_ec2.Object).SetNetworkInterfaceGroupsAsync("eni-1", ["sg-1"], CancellationToken.None));

        Assert.Equal("UnauthorizedOperation", error.ErrorCode);
        _ec2.Verify(ec2 => ec2.ModifyNetworkInterfaceAttributeAsync(It.Is<ModifyNetworkInterfaceAttributeRequest>(r => r.DryRun == null), It.IsAny<CancellationToken>()));
    }
}
