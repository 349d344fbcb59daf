using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Ec2Isolation.Aws.Sts;
using Ec2Isolation.TestSupport;
using Moq;

namespace Ec2Isolation.Aws.Tests.Sts;

public sealed class AssumedRoleCredentialsTests
{
    private const string RoleArn = "arn:aws:iam::111111111111:role/ec2-isolation-member";

    private readonly Mock<IAmazonSecurityTokenService> _sts = new();
    private readonly List<AssumeRoleRequest> _requests = [];

    private void AnswerWithCredentialsValidFor(TimeSpan lifetime) =>
        _sts.Setup(s => s.AssumeRoleAsync(It.IsAny<AssumeRoleRequest>(), It.IsAny<CancellationToken>()))
            .Callback<AssumeRoleRequest, CancellationToken>((request, _) => _requests.Add(request))
            .ReturnsAsync(() => new AssumeRoleResponse
            {
                Credentials = new Credentials
                {
                    AccessKeyId = "ASIA" + _requests.Count,
                    SecretAccessKey = "secret",
                    SessionToken = "token",
                    Expiration = TimeProvider.System.GetUtcNow().UtcDateTime + lifetime,
                },
            });

    [Fact]
    public async Task GetCredentialsAsync_Twice_AssumesOnceWithSessionNameAndExternalId()
    {
        AnswerWithCredentialsValidFor(TimeSpan.FromHours(1));
        var credentials = new AssumedRoleCredentials(_sts.Object, RoleArn, "ec2-isolation-function", "o-a1b2c3d4e5");

        var first = await credentials.GetCredentialsAsync();
        var second = await credentials.GetCredentialsAsync();

        Assert.Equal(("ASIA1", "ASIA1"), (first.AccessKey, second.AccessKey));
        var request = Assert.Single(_requests);
        Assert.Equal((RoleArn, "ec2-isolation-function", "o-a1b2c3d4e5"), (request.RoleArn, request.RoleSessionName, request.ExternalId));
    }

    [Fact]
    public async Task GetCredentialsAsync_AccessDenied_ErrorNamesTheRole()
    {
        _sts.Setup(s => s.AssumeRoleAsync(It.IsAny<AssumeRoleRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new AmazonSecurityTokenServiceException("User is not authorized to perform: sts:AssumeRole"));
        var credentials = new AssumedRoleCredentials(_sts.Object, RoleArn, "ec2-isolation", externalId: null);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => credentials.GetCredentialsAsync());

        Assert.Contains(RoleArn, error.Message, StringComparison.Ordinal);
        Assert.Contains("not authorized", error.Message, StringComparison.Ordinal);
    }
}

[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class AssumedRoleMotoTests(MotoServer moto)
{
    [Fact]
    public async Task ForMember_Moto_CallsActInTheMemberAccountAsItsRole()
    {
        // moto issues credentials for any role in any account: it does not evaluate the role's trust policy.
        using var sts = MotoAccount.MemberClients(moto, "111111111111").CreateSts();

        var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest());

        Assert.Equal("111111111111", identity.Account);
        Assert.StartsWith($"arn:aws:sts::111111111111:assumed-role/{MotoAccount.MemberRole}/", identity.Arn, StringComparison.Ordinal);
    }
}
