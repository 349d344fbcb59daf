using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Tests.Configuration;

public sealed class IsolationSettingsTests
{
    private static IsolationSettings Read(params (string Name, string Value)[] variables)
    {
        var environment = variables.ToDictionary(v => v.Name, v => v.Value);
        return IsolationSettings.FromEnvironment(name => environment.GetValueOrDefault(name));
    }

    [Fact]
    public void FromEnvironment_OnlyTheTable_DefaultsApply()
    {
        var settings = Read(("EC2ISOLATION_TABLE", "records"));

        Assert.Equal("records", settings.TableName);
        Assert.Equal("ec2-isolation", settings.TriggerTagKey);
        Assert.Equal("isolate", settings.TriggerTagValue);
        Assert.Equal("ec2-isolation:", settings.StatusTagPrefix);
        Assert.True(settings.CreateSnapshots);
        Assert.Empty(settings.ForensicIngress);
        Assert.Null(settings.IsolationInstanceProfile);
    }

    [Fact]
    public void FromEnvironment_EverythingSet_EverythingRead()
    {
        var settings = Read(
            ("EC2ISOLATION_TABLE", "records"),
            ("EC2ISOLATION_INSTANCE_PROFILE", "deny-all"),
            ("EC2ISOLATION_TAG_KEY", "quarantine"),
            ("EC2ISOLATION_TAG_VALUE", "yes"),
            ("EC2ISOLATION_FORENSIC_INGRESS", "10.0.0.0/24:22, sg-0abc123:22-23"),
            ("EC2ISOLATION_SNAPSHOTS", "false"),
            ("EC2ISOLATION_LEASE_SECONDS", "300"));

        Assert.Equal("deny-all", settings.RequireIsolationInstanceProfile());
        Assert.Equal(("quarantine", "yes"), (settings.TriggerTagKey, settings.TriggerTagValue));
        Assert.Equal([new SecurityGroupRule("tcp", 22, 22, "10.0.0.0/24"), new SecurityGroupRule("tcp", 22, 23, "sg-0abc123")], settings.ForensicIngress);
        Assert.False(settings.CreateSnapshots);
        Assert.Equal(TimeSpan.FromMinutes(5), settings.LeaseDuration);
    }

    [Fact]
    public void FromEnvironment_SeveralProblems_OneErrorNamingEachVariable()
    {
        var error = Assert.Throws<InvalidRequestException>(() => Read(
            ("EC2ISOLATION_SNAPSHOTS", "maybe"), ("EC2ISOLATION_LEASE_SECONDS", "5"), ("EC2ISOLATION_FORENSIC_INGRESS", "everyone:22")));

        Assert.Contains("EC2ISOLATION_TABLE", error.Message, StringComparison.Ordinal);
        Assert.Contains("EC2ISOLATION_SNAPSHOTS", error.Message, StringComparison.Ordinal);
        Assert.Contains("EC2ISOLATION_LEASE_SECONDS", error.Message, StringComparison.Ordinal);
        Assert.Contains("EC2ISOLATION_FORENSIC_INGRESS", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ec2-isolation-ResultBus1A2B3C")]
    [InlineData("arn:aws:events:us-east-1:123456789012:event-bus/ec2-isolation-ResultBus1A2B3C")]
    public void FromEnvironment_ResultBusNameOrArn_Read(string bus)
    {
        Assert.Equal(bus, Read(("EC2ISOLATION_TABLE", "records"), ("EC2ISOLATION_RESULT_BUS_NAME", bus)).ResultBusName);
    }

    [Theory]
    [InlineData("results bus")]
    [InlineData("arn:aws:sqs:us-east-1:123456789012:results")]
    public void FromEnvironment_ResultBusNotANameNorAnArn_NamedInTheError(string bus)
    {
        var error = Assert.Throws<InvalidRequestException>(() => Read(("EC2ISOLATION_TABLE", "records"), ("EC2ISOLATION_RESULT_BUS_NAME", bus)));

        Assert.Contains("EC2ISOLATION_RESULT_BUS_NAME", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RequireIsolationInstanceProfile_NotSet_ErrorNamesTheVariable()
    {
        var error = Assert.Throws<InvalidRequestException>(() => Read(("EC2ISOLATION_TABLE", "records")).RequireIsolationInstanceProfile());

        Assert.Contains("EC2ISOLATION_INSTANCE_PROFILE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_AfterContainmentFlags_OffByDefaultAndReadWhenSet()
    {
        var defaults = Read(("EC2ISOLATION_TABLE", "records"));
        var set = Read(("EC2ISOLATION_TABLE", "records"), ("EC2ISOLATION_DELETE_KEY_PAIR", "true"), ("EC2ISOLATION_STOP_AFTER_SNAPSHOTS", "True"));

        Assert.Equal((false, false), (defaults.DeleteKeyPair, defaults.StopAfterSnapshots));
        Assert.Equal((true, true), (set.DeleteKeyPair, set.StopAfterSnapshots));
    }

    [Fact]
    public void FromEnvironment_AfterContainmentFlagNotABoolean_NamedInTheError()
    {
        var error = Assert.Throws<InvalidRequestException>(() => Read(("EC2ISOLATION_TABLE", "records"), ("EC2ISOLATION_STOP_AFTER_SNAPSHOTS", "soon")));

        Assert.Contains("EC2ISOLATION_STOP_AFTER_SNAPSHOTS must be true or false, not 'soon'", error.Message, StringComparison.Ordinal);
    }
}
