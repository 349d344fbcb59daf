using Ec2Isolation.Core.Configuration;

namespace Ec2Isolation.Core.Tests.Accounts;

public sealed class AccountSettingsTests
{
    private static IsolationSettings Read(params (string Name, string Value)[] variables)
    {
        var environment = variables.Append(("EC2ISOLATION_TABLE", "records")).ToDictionary(v => v.Item1, v => v.Item2);
        return IsolationSettings.FromEnvironment(name => environment.GetValueOrDefault(name));
    }

    [Fact]
    public void FromEnvironment_NoMemberRole_OwnAccountOnly() => Assert.Null(Read().Accounts);

    [Fact]
    public void FromEnvironment_CentralMode_Read()
    {
        var accounts = Read(
            ("EC2ISOLATION_MEMBER_ROLE_NAME", "ec2-isolation-member"),
            ("EC2ISOLATION_ALLOWED_ACCOUNTS", " 111111111111, 222222222222 "),
            ("EC2ISOLATION_MEMBER_EXTERNAL_ID", "o-a1b2c3d4e5"),
            ("EC2ISOLATION_INSTANCE_PROFILE", "ec2-isolation-deny-all")).Accounts!;

        Assert.Equal("ec2-isolation-member", accounts.MemberRoleName);
        Assert.Equal(["111111111111", "222222222222"], accounts.AllowedAccounts.Order());
        Assert.Equal("o-a1b2c3d4e5", accounts.ExternalId);
        Assert.True(accounts.Allows("222222222222"));
        Assert.False(accounts.Allows("333333333333"));
    }

    [Theory]
    [InlineData("EC2ISOLATION_ALLOWED_ACCOUNTS", "111111111111", null, null, "need EC2ISOLATION_MEMBER_ROLE_NAME")]
    [InlineData("EC2ISOLATION_MEMBER_ROLE_NAME", "member", null, null, "EC2ISOLATION_ALLOWED_ACCOUNTS must list")]
    [InlineData("EC2ISOLATION_MEMBER_ROLE_NAME", "member", "EC2ISOLATION_ALLOWED_ACCOUNTS", "1111,222222222222", "EC2ISOLATION_ALLOWED_ACCOUNTS must list")]
    [InlineData("EC2ISOLATION_MEMBER_ROLE_NAME", "arn:aws:iam::111111111111:role/member", "EC2ISOLATION_ALLOWED_ACCOUNTS", "*", "must be an IAM role name")]
    [InlineData("EC2ISOLATION_MEMBER_ROLE_NAME", "member", "EC2ISOLATION_INSTANCE_PROFILE", "arn:aws:iam::123456789012:instance-profile/deny", "must be a name with")]
    public void FromEnvironment_CentralModeMisconfigured_ErrorNamesTheVariable(string name, string value, string? other, string? otherValue, string message)
    {
        (string, string)[] variables = other is null ? [(name, value)] : [(name, value), (other, otherValue!)];

        var error = Assert.Throws<InvalidRequestException>(() => Read(variables));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
