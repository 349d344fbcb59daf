using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Ec2Isolation.Aws.Sts;
using Ec2Isolation.TestSupport;
using Moq;

namespace Ec2Isolation.Aws.Tests.Sts;

[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class StsCallerIdentityTests(MotoServer moto)
{
    [Fact]
    public async Task GetCallerArnAsync_Moto_ReturnsTheCallerArnOfTheAccount()
    {
        using var sts = moto.Clients().CreateSts();

        var arn = await new StsCallerIdentity(sts).GetCallerArnAsync(CancellationToken.None);

        Assert.StartsWith($"arn:aws:sts::{MotoServer.AccountId}:", arn, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetCallerArnAsync_CalledTwice_AsksStsOnce()
    {
        var sts = new Mock<IAmazonSecurityTokenService>();
        sts.Setup(s => s.GetCallerIdentityAsync(It.IsAny<GetCallerIdentityRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new GetCallerIdentityResponse { Arn = "arn:aws:iam::123456789012:user/responder" });
        var identity = new StsCallerIdentity(sts.Object);

        await identity.GetCallerArnAsync(CancellationToken.None);
        var arn = await identity.GetCallerArnAsync(CancellationToken.None);

        Assert.Equal("arn:aws:iam::123456789012:user/responder", arn);
        sts.Verify(s => s.GetCallerIdentityAsync(It.IsAny<GetCallerIdentityRequest>(), It.IsAny<CancellationToken>()), Times.Once);
    }
}
