using Ec2Isolation.Core.Configuration;

namespace Ec2Isolation.Core.Tests.Configuration;

public sealed class EventKindSettingsTests
{
    private static IsolationSettings Read(params (string Name, string Value)[] variables)
    {
        var environment = variables.Append(("EC2ISOLATION_TABLE", "records")).ToDictionary(v => v.Item1, v => v.Item2);
        return IsolationSettings.FromEnvironment(name => environment.GetValueOrDefault(name));
    }

    [Fact]
    public void FromEnvironment_NothingSet_AttackSequencesOnAndNoCustomAction()
    {
        Assert.Equal(new EventKindSettings(AttackSequences: true, SecurityHubActionId: null), Read().EventKinds);
    }

    [Fact]
    public void FromEnvironment_BothSet_BothRead()
    {
        var settings = Read(("EC2ISOLATION_ATTACK_SEQUENCES", "false"), ("EC2ISOLATION_SECURITYHUB_ACTION_ID", "Ec2Isolate"));

        Assert.Equal(new EventKindSettings(AttackSequences: false, SecurityHubActionId: "Ec2Isolate"), settings.EventKinds);
    }

    [Theory]
    [InlineData("EC2ISOLATION_ATTACK_SEQUENCES", "yes", "EC2ISOLATION_ATTACK_SEQUENCES must be true or false")]
    [InlineData("EC2ISOLATION_SECURITYHUB_ACTION_ID", "Isolate-EC2", "EC2ISOLATION_SECURITYHUB_ACTION_ID must be a custom action id")]
    [InlineData("EC2ISOLATION_SECURITYHUB_ACTION_ID", "ABCDEFGHIJKLMNOPQRSTU", "EC2ISOLATION_SECURITYHUB_ACTION_ID must be a custom action id")]
    public void FromEnvironment_WrongValue_NamedWithTheOthers(string name, string value, string message)
    {
        var error = Assert.Throws<InvalidRequestException>(() => Read((name, value), ("EC2ISOLATION_LEASE_SECONDS", "1")));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Contains("EC2ISOLATION_LEASE_SECONDS", error.Message, StringComparison.Ordinal);
    }
}
