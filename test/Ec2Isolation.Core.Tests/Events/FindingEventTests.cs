using System.Text.Json.Nodes;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Events;

/// <summary>
/// Findings naming several instances or another account: a member's GuardDuty finding at the delegated administrator,
/// GuardDuty attack sequences, and the Security Hub custom action. The home account is <see cref="FakeCloud.AccountId"/>;
/// every account is its own fake cloud.
/// </summary>
public sealed class FindingEventTests
{
    private const string Member = "111111111111";
    private const string Outsider = "333333333333";
    private static readonly string[] Group = ["i-00000000000000001", "i-00000000000000002", "i-00000000000000003", "i-00000000000000004"];

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly Dictionary<string, FakeCloud> _clouds = new() { [FakeCloud.AccountId] = new(), [Member] = new(), [Outsider] = new() };
    private readonly RecordingLogger<IsolationEventProcessor> _log = new();
    private IsolationSettings _settings = new()
    {
        TableName = "records",
        IsolationInstanceProfile = "ec2-isolation-deny-all",
        EventKinds = new EventKindSettings(SecurityHubActionId: SampleEvents.SecurityHubActionId),
    };

    public FindingEventTests()
    {
        foreach (var cloud in _clouds.Values)
        {
            foreach (var instance in Group)
            {
                cloud.AddInstance(instance, "vpc-1");
            }
        }
    }

    private FakeCloud Home => _clouds[FakeCloud.AccountId];

    /// <param name="allowed">Central mode with these members; none: the own account only.</param>
    private IsolationEventProcessor CreateSut(params string[] allowed)
    {
        var settings = allowed.Length == 0 ? _settings : _settings with { Accounts = new AccountSettings("ec2-isolation-member", allowed.ToHashSet(), ExternalId: null) };
        return new(FakeAccounts.Router(Services(FakeCloud.AccountId), settings.Accounts, Services), settings, _log);
    }

    private AccountServices Services(string accountId) => FakeAccounts.Services(_clouds[accountId], _settings, _time);

    private static string Sequence(string accountId = FakeCloud.AccountId, string? eventAccount = null, double severity = 9.0) =>
        SampleEvents.AttackSequence([Group[0]], [Group[0], Group[1]], [Group[2]], [Group[1], Group[3]], accountId, eventAccount, severity);

    [Fact]
    public async Task HandleAsync_MemberFindingAtTheDelegatedAdministrator_IsolatedInTheMemberAccount()
    {
        var result = await CreateSut(Member).HandleAsync(SampleEvents.MemberFinding(Group[0], Member), CancellationToken.None);

        Assert.Equal(("isolated", Member), (result.Action, result.Instances.Single().Account));
        Assert.Equal(IsolationStatus.Isolated, _clouds[Member].StoredRecord(Group[0])!.Status);
        Assert.Equal(["7ac3a7bd5ed6ec35a4bbd3d9a7a2a0b1"], _clouds[Member].StoredRecord(Group[0])!.FindingIds);
        Assert.Equal("isolate", _clouds[Member].Instances[Group[0]].Tags["ec2-isolation"]);
        Assert.Empty(Home.Mutations);
    }

    [Fact]
    public async Task HandleAsync_MemberFindingOfAnAccountNotAllowListed_RefusedNothingCalled()
    {
        var result = await CreateSut(Member).HandleAsync(SampleEvents.MemberFinding(Group[0], Outsider), CancellationToken.None);

        Assert.Equal(("refused", Outsider), (result.Action, result.Instances.Single().Account));
        Assert.Contains("not in EC2ISOLATION_ALLOWED_ACCOUNTS", result.Message, StringComparison.Ordinal);
        Assert.All(_clouds.Values, cloud => Assert.Empty(cloud.Calls));
    }

    [Fact]
    public async Task HandleAsync_MemberFindingOutsideCentralMode_ClearErrorNothingCalled()
    {
        var error = await Assert.ThrowsAsync<InvalidEventException>(
            () => CreateSut().HandleAsync(SampleEvents.MemberFinding(Group[0], Member), CancellationToken.None));

        Assert.Contains("belongs to account 111111111111", error.Message, StringComparison.Ordinal);
        Assert.Contains("central mode", error.Message, StringComparison.Ordinal);
        Assert.All(_clouds.Values, cloud => Assert.Empty(cloud.Calls));
    }

    [Fact]
    public async Task HandleAsync_MemberFindingInAnEventOfAnotherMember_RefusedNothingCalled()
    {
        // Only the administrator's own bus carries members' findings: an event of a member naming another is refused.
        var result = await CreateSut(Member, Outsider).HandleAsync(SampleEvents.MemberFinding(Group[0], Member, administratorAccount: Outsider), CancellationToken.None);

        Assert.Equal("refused", result.Action);
        Assert.Contains("not of this deployment's own", result.Message, StringComparison.Ordinal);
        Assert.All(_clouds.Values, cloud => Assert.Empty(cloud.Mutations));
    }

    [Fact]
    public async Task HandleAsync_AttackSequence_EveryNamedInstanceIsolatedOnceWithItsOwnRecordCitingTheSequence()
    {
        var result = await CreateSut().HandleAsync(Sequence(), CancellationToken.None);

        Assert.Equal(("guardduty-finding", "isolated"), (result.EventKind, result.Action));
        Assert.Equal(Group, result.Instances.Select(i => i.InstanceId));
        Assert.All(result.Instances, i => Assert.Equal(("isolated", FakeCloud.AccountId), (i.Outcome, i.Account)));
        Assert.Equal(4, result.Instances.Select(i => i.IncidentId).Distinct().Count());
        foreach (var instance in Group)
        {
            var record = Home.StoredRecord(instance)!;
            Assert.Equal((IsolationStatus.Isolated, SampleEvents.AttackSequenceFindingId), (record.Status, Assert.Single(record.FindingIds)));
            Assert.Contains("attack sequence " + SampleEvents.AttackSequenceUid, record.Reason, StringComparison.Ordinal);
        }

        Assert.Equal(4, Home.Calls.Count(call => call == "CreateSnapshots"));
    }

    [Fact]
    public async Task HandleAsync_AttackSequenceRepublished_AlreadyHandledAndNothingChanged()
    {
        await CreateSut().HandleAsync(Sequence(), CancellationToken.None);
        Home.Calls.Clear();

        var again = await CreateSut().HandleAsync(Sequence(), CancellationToken.None);

        Assert.Equal("already-handled", again.Action);
        Assert.All(again.Instances, i => Assert.Equal("already-handled", i.Outcome));
        Assert.Empty(Home.Mutations);
    }

    [Fact]
    public async Task HandleAsync_AttackSequencesTurnedOff_IgnoredNothingCalled()
    {
        _settings = _settings with { EventKinds = _settings.EventKinds with { AttackSequences = false } };

        var result = await CreateSut().HandleAsync(Sequence(), CancellationToken.None);

        Assert.Equal("ignored", result.Action);
        Assert.Equal(Group, result.Instances.Select(i => i.InstanceId));
        Assert.Empty(Home.Calls);
    }

    [Fact]
    public async Task HandleAsync_AttackSequenceWithTypePrefixesConfigured_StillIsolates()
    {
        _settings = _settings with { GuardDutyTypePrefixes = ["Backdoor:EC2/"] };

        Assert.Equal("isolated", (await CreateSut().HandleAsync(Sequence(), CancellationToken.None)).Action);
    }

    [Fact]
    public async Task HandleAsync_AttackSequenceOfAMember_IsolatedInTheMemberAccount()
    {
        var result = await CreateSut(Member).HandleAsync(Sequence(Member, eventAccount: FakeCloud.AccountId), CancellationToken.None);

        Assert.Equal("isolated", result.Action);
        Assert.All(Group, instance => Assert.Equal(IsolationStatus.Isolated, _clouds[Member].StoredRecord(instance)!.Status));
        Assert.Empty(Home.Mutations);
    }

    [Fact]
    public async Task HandleAsync_AttackSequenceNamingAResourceOfAnotherAccount_ClearErrorNothingCalled()
    {
        var node = JsonNode.Parse(Sequence())!;
        node["detail"]!["service"]!["detection"]!["sequence"]!["resources"]![1]!["accountId"] = "999999999999";
        var json = node.ToJsonString();

        var error = await Assert.ThrowsAsync<InvalidEventException>(() => CreateSut().HandleAsync(json, CancellationToken.None));

        Assert.Contains("resource of account 999999999999", error.Message, StringComparison.Ordinal);
        Assert.Empty(Home.Calls);
    }

    [Fact]
    public async Task HandleAsync_AttackSequenceNamingInstancesByArn_ArnsOfTheFindingsAccountAccepted()
    {
        var json = SampleEvents.AttackSequence([SampleEvents.InstanceArn(Group[0])], [], [], [Group[1]]);

        var result = await CreateSut().HandleAsync(json, CancellationToken.None);

        Assert.Equal(Group[..2], result.Instances.Select(i => i.InstanceId));
    }

    [Fact]
    public async Task HandleAsync_AttackSequenceWithOneInstanceFailing_OthersIsolatedThenFailsLoudly()
    {
        Home.AddInstance("i-00000000000000009", "vpc-2");
        Home.Groups.Add(new FakeGroup { GroupId = "sg-q", Name = _settings.QuarantineGroupName, VpcId = "vpc-1" });
        Home.Groups.Add(new FakeGroup { GroupId = "sg-a", Name = _settings.AllTrafficGroupName, VpcId = "vpc-1" });
        Home.BeforeCall = call =>
        {
            // vpc-2 has no groups yet, and creating them fails.
            if (call == "CreateSecurityGroup")
            {
                throw new InvalidOperationException("injected failure");
            }
        };

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().HandleAsync(
            SampleEvents.AttackSequence([Group[0], "i-00000000000000009"], [], [], [Group[1]]), CancellationToken.None));

        Assert.Contains("1 of 3 instances", error.Message, StringComparison.Ordinal);
        Assert.Contains("123456789012/i-00000000000000009: Isolation of i-00000000000000009 failed at step 'network'", error.Message, StringComparison.Ordinal);
        Assert.Equal(IsolationStatus.Isolated, Home.StoredRecord(Group[0])!.Status);
        Assert.Equal(IsolationStatus.Isolated, Home.StoredRecord(Group[1])!.Status);
    }

    [Fact]
    public async Task HandleAsync_MoreInstancesThanTheCap_TheRestRefusedAndLogged()
    {
        // The fake's snapshot list is not made for dozens of isolations at once; snapshots are not what this test is about.
        _settings = _settings with { CreateSnapshots = false };
        var many = Enumerable.Range(100, IsolationEventProcessor.MaxInstancesPerEvent + 1).Select(i => $"i-{i:x17}").ToList();
        foreach (var instance in many)
        {
            Home.AddInstance(instance, "vpc-1");
        }

        var result = await CreateSut().HandleAsync(SampleEvents.AttackSequence(many, [], [], []), CancellationToken.None);

        Assert.Equal(IsolationEventProcessor.MaxInstancesPerEvent, result.Instances.Count(i => i.Outcome == "isolated"));
        var refused = Assert.Single(result.Instances, i => i.Outcome == "refused");
        Assert.Equal(many[^1], refused.InstanceId);
        Assert.Null(Home.StoredRecord(many[^1]));
        Assert.Contains(_log.Lines, line => line.EventId.Id == 2006 && line.Message.Contains(many[^1], StringComparison.Ordinal));
    }

    [Fact]
    public async Task HandleAsync_SecurityHubCustomAction_EveryInstanceIsolatedWhateverTheSeverityOtherResourcesIgnored()
    {
        var json = SampleEvents.SecurityHubAction([SampleEvents.InstanceArn(Group[0]), SampleEvents.InstanceArn(Group[1])]);

        var result = await CreateSut().HandleAsync(json, CancellationToken.None);

        Assert.Equal(("securityhub-action", "isolated"), (result.EventKind, result.Action));
        Assert.Equal(Group[..2], result.Instances.Select(i => i.InstanceId));
        foreach (var instance in Group[..2])
        {
            Assert.Equal([SampleEvents.SecurityHubFindingId], Home.StoredRecord(instance)!.FindingIds);
            Assert.Equal("securityhub custom action event 1a1111a1-b22b-3c33-444d-5555e5ee5555", Home.StoredRecord(instance)!.RequestedBy);
        }

        Assert.Null(Home.StoredRecord(Group[2]));
    }

    [Fact]
    public async Task HandleAsync_SecurityHubCustomActionRedelivered_AlreadyHandledAndNothingChanged()
    {
        var json = SampleEvents.SecurityHubAction([SampleEvents.InstanceArn(Group[0])]);
        await CreateSut().HandleAsync(json, CancellationToken.None);
        Home.Calls.Clear();

        var again = await CreateSut().HandleAsync(json, CancellationToken.None);

        Assert.Equal("already-handled", again.Action);
        Assert.Empty(Home.Mutations);
    }

    [Theory]
    [InlineData("SendToTicketing")]
    [InlineData(null)]
    public async Task HandleAsync_SecurityHubCustomActionOfAnotherId_IgnoredNothingCalled(string? configured)
    {
        _settings = _settings with { EventKinds = new EventKindSettings(SecurityHubActionId: configured) };

        var result = await CreateSut().HandleAsync(SampleEvents.SecurityHubAction([SampleEvents.InstanceArn(Group[0])]), CancellationToken.None);

        Assert.Equal("ignored", result.Action);
        Assert.Empty(Home.Calls);
    }

    [Fact]
    public async Task HandleAsync_SecurityHubInstanceOfAnotherRegion_ThatInstanceRefusedTheOtherIsolated()
    {
        // An aggregation region's Security Hub shows the linked regions' findings too: this deployment acts in its own.
        var elsewhere = $"arn:aws:ec2:eu-west-1:{FakeCloud.AccountId}:instance/{Group[1]}";

        var result = await CreateSut().HandleAsync(SampleEvents.SecurityHubAction([SampleEvents.InstanceArn(Group[0]), elsewhere]), CancellationToken.None);

        Assert.Equal("isolated", result.Action);
        Assert.Equal([(Group[0], "isolated"), (Group[1], "refused")], result.Instances.Select(i => (i.InstanceId, i.Outcome)));
        Assert.Contains("acts in us-east-1 only", result.Instances[1].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_SecurityHubFindingOfAMemberAtTheAdministrator_IsolatedInTheMemberAccount()
    {
        var json = SampleEvents.SecurityHubAction([SampleEvents.InstanceArn(Group[0], Member)], findingAccount: Member);

        var result = await CreateSut(Member).HandleAsync(json, CancellationToken.None);

        Assert.Equal(("isolated", Member), (result.Action, result.Instances.Single().Account));
        Assert.Equal(IsolationStatus.Isolated, _clouds[Member].StoredRecord(Group[0])!.Status);
    }

    [Fact]
    public async Task HandleAsync_SecurityHubInstanceArnOfAnotherAccountThanItsFinding_ClearErrorNothingCalled()
    {
        var json = SampleEvents.SecurityHubAction([SampleEvents.InstanceArn(Group[0], Member)]);

        var error = await Assert.ThrowsAsync<InvalidEventException>(() => CreateSut(Member).HandleAsync(json, CancellationToken.None));

        Assert.Contains("not to its finding's 123456789012", error.Message, StringComparison.Ordinal);
        Assert.All(_clouds.Values, cloud => Assert.Empty(cloud.Calls));
    }
}
