using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Tests.Events;

/// <summary>Rule changes to the isolation groups: undone on the group, reported; other groups and refused calls left alone.</summary>
public sealed partial class TamperingEventTests
{
    private static readonly SecurityGroupRule Ssh = new("tcp", 22, 22, "0.0.0.0/0");

    [Fact]
    public async Task HandleAsync_RuleAddedToTheQuarantineGroup_RevokedAndReported()
    {
        var record = await IsolateAsync();
        var quarantine = _cloud.Groups.Single(g => g.GroupId == record.Artifacts.QuarantineGroupId);
        quarantine.Ingress.Add(Ssh);

        var result = await CreateSut().HandleAsync(
            SampleEvents.GroupRuleCall("AuthorizeSecurityGroupIngress", quarantine.GroupId, "tcp", 22, "0.0.0.0/0"), CancellationToken.None);

        Assert.Equal(("tamper", EventResult.Reverted), (result.EventKind, result.Action));
        Assert.Empty(quarantine.Ingress);
        Assert.Equal([$"{quarantine.GroupId} ingress {Ssh} revoked"], result.Tampering!.RevertedRules);
        Assert.Equal(["RevokeIngress"], _cloud.Mutations);
        Assert.DoesNotContain("ListRecords", _cloud.Calls);
        Assert.Contains(_log.Lines, line => line.Level == LogLevel.Warning && line.EventId.Id == 2030);
    }

    [Fact]
    public async Task HandleAsync_RuleRevokedFromTheAllTrafficGroup_AuthorizedAgain()
    {
        var record = await IsolateAsync();
        var allTraffic = _cloud.Groups.Single(g => g.GroupId == record.Artifacts.AllTrafficGroupId);
        allTraffic.Ingress.Clear();

        var result = await CreateSut().HandleAsync(
            SampleEvents.GroupRuleCall("RevokeSecurityGroupIngress", allTraffic.GroupId, "-1", -1, "0.0.0.0/0"), CancellationToken.None);

        Assert.Equal(EventResult.Reverted, result.Action);
        Assert.Equal([SecurityGroupRule.AllTraffic("0.0.0.0/0"), SecurityGroupRule.AllTraffic("::/0")], allTraffic.Ingress);
        Assert.Equal(["AuthorizeIngress"], _cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_RuleAddedToAnotherGroup_IgnoredNothingChanged()
    {
        await IsolateAsync();
        _cloud.Groups.Add(new FakeGroup { GroupId = "sg-0aaaabbbbcccc1111", Name = "web", VpcId = "vpc-1" });

        var result = await CreateSut().HandleAsync(
            SampleEvents.GroupRuleCall("AuthorizeSecurityGroupIngress", "sg-0aaaabbbbcccc1111", "tcp", 22, "0.0.0.0/0"), CancellationToken.None);

        Assert.Equal("ignored", result.Action);
        Assert.Empty(_cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_GroupRuleChangeEc2Refused_IgnoredWithoutAReadAndReportedAsRefused()
    {
        var record = await IsolateAsync();

        var result = await CreateSut().HandleAsync(
            SampleEvents.GroupRuleCall("AuthorizeSecurityGroupIngress", record.Artifacts.QuarantineGroupId!, "tcp", 22, "0.0.0.0/0", errorCode: "Client.UnauthorizedOperation"),
            CancellationToken.None);

        Assert.Equal("ignored", result.Action);
        Assert.Equal("Client.UnauthorizedOperation", result.Tampering!.ErrorCode);
        Assert.Empty(_cloud.Calls);
    }
}
