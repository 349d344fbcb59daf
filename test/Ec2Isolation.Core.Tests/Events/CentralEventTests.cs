using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Events;

/// <summary>One central deployment handling events of member accounts: each account is its own fake cloud.</summary>
public sealed class CentralEventTests
{
    private const string InstanceId = "i-0123456789abcdef0";
    private const string First = "111111111111";
    private const string Second = "222222222222";

    private readonly IsolationSettings _settings = new() { TableName = "records", IsolationInstanceProfile = "ec2-isolation-deny-all" };
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly Dictionary<string, FakeCloud> _clouds = new() { [FakeCloud.AccountId] = new(), [First] = new(), [Second] = new() };
    private readonly RecordingLogger<IsolationEventProcessor> _log = new();

    public CentralEventTests()
    {
        // The same instance id in every account: ids are unique within an account and region only.
        foreach (var cloud in _clouds.Values)
        {
            // Tagged, as an instance is when its tag-change event arrives.
            cloud.AddInstance(InstanceId, "vpc-1").Tags["ec2-isolation"] = "isolate";
        }
    }

    private IsolationEventProcessor CreateSut(params string[] allowed)
    {
        var central = _settings with { Accounts = new AccountSettings("ec2-isolation-member", allowed.ToHashSet(), ExternalId: null) };
        return new(FakeAccounts.Router(Services(FakeCloud.AccountId), central.Accounts, Services), central, _log);
    }

    private AccountServices Services(string accountId) => FakeAccounts.Services(_clouds[accountId], _settings, _time);

    /// <summary>A sample event of another account, and region when given.</summary>
    private static string EventOf(string sample, string accountId, string region = FakeAccounts.Region) =>
        SampleEvents.OfAccount(sample, InstanceId, accountId).Replace(FakeAccounts.Region, region, StringComparison.Ordinal);

    [Fact]
    public async Task HandleAsync_TagChangesOfTwoMembers_EachIsolatedInItsOwnAccount()
    {
        var sut = CreateSut(First, Second);

        var first = await sut.HandleAsync(EventOf(SampleEvents.TagChange, First), CancellationToken.None);
        var second = await sut.HandleAsync(EventOf(SampleEvents.GuardDutyFinding, Second), CancellationToken.None);

        Assert.Equal(("isolated", "isolated"), (first.Action, second.Action));
        Assert.Equal(IsolationStatus.Isolated, _clouds[First].StoredRecord(InstanceId)!.Status);
        Assert.Equal(IsolationStatus.Isolated, _clouds[Second].StoredRecord(InstanceId)!.Status);
        Assert.Contains(_clouds[Second].Mutations, call => call.StartsWith("CreateTags", StringComparison.Ordinal));
        Assert.Empty(_clouds[FakeCloud.AccountId].Calls);
    }

    [Theory]
    [InlineData(SampleEvents.TagChange, "333333333333", FakeAccounts.Region, "not in EC2ISOLATION_ALLOWED_ACCOUNTS")]
    [InlineData(SampleEvents.GuardDutyFinding, "333333333333", FakeAccounts.Region, "not in EC2ISOLATION_ALLOWED_ACCOUNTS")]
    [InlineData(SampleEvents.TagChange, First, "eu-west-1", "acts in us-east-1 only")]
    [InlineData(SampleEvents.ScheduledSweep, FakeCloud.AccountId, "eu-west-1", "acts in us-east-1 only")]
    public async Task HandleAsync_AccountOrRegionOutOfReach_RefusedNothingCalled(string sample, string accountId, string region, string why)
    {
        var result = await CreateSut(First).HandleAsync(EventOf(sample, accountId, region), CancellationToken.None);

        Assert.Equal("refused", result.Action);
        Assert.Contains(why, result.Message, StringComparison.Ordinal);
        Assert.All(result.Instances, outcome => Assert.Equal((InstanceId, "refused"), (outcome.InstanceId, outcome.Outcome)));
        Assert.All(_clouds.Values, cloud => Assert.Empty(cloud.Calls));
    }

    [Fact]
    public async Task HandleAsync_AccountNotAllowListed_LogsNoIsolation()
    {
        await CreateSut(First).HandleAsync(EventOf(SampleEvents.TagChange, Second), CancellationToken.None);

        Assert.DoesNotContain(_log.Lines, line => line.Level >= LogLevel.Information && line.Message.Contains("isolat", StringComparison.OrdinalIgnoreCase));
    }
    [Fact]
    public async Task HandleAsync_SweepWithAllowList_IsolatesTaggedInstancesInEveryAccount()
    {
        foreach (var cloud in _clouds.Values)
        {
            cloud.Instances[InstanceId].Tags[_settings.TriggerTagKey] = _settings.TriggerTagValue;
        }

        _clouds[Second].AddInstance("i-0fedcba9876543210", "vpc-1");
        var result = await CreateSut(First, Second).HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep), CancellationToken.None);

        Assert.Equal("swept", result.Action);
        Assert.Equal(
            [(InstanceId, First, "isolated"), (InstanceId, FakeCloud.AccountId, "isolated"), (InstanceId, Second, "isolated")],
            result.Instances.Select(i => (i.InstanceId, i.Account, i.Outcome)));
        Assert.All(_clouds.Values, cloud => Assert.Equal(IsolationStatus.Isolated, cloud.StoredRecord(InstanceId)!.Status));
        Assert.Null(_clouds[Second].StoredRecord("i-0fedcba9876543210"));
        Assert.Contains("in 3 account(s)", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_SweepWithAMemberNotReachable_SweepsTheOthersThenFailsLoudly()
    {
        foreach (var cloud in _clouds.Values)
        {
            cloud.Instances[InstanceId].Tags[_settings.TriggerTagKey] = _settings.TriggerTagValue;
        }

        // What the member credentials throw when the role cannot be assumed (no member stack there yet).
        _clouds[First].BeforeCall = _ => throw new InvalidOperationException("The member role could not be assumed: AccessDenied");

        var error = await Assert.ThrowsAsync<IsolationFailedException>(
            () => CreateSut(First, Second).HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep), CancellationToken.None));

        Assert.Contains($"account {First} could not be swept: The member role could not be assumed: AccessDenied", error.Message, StringComparison.Ordinal);
        Assert.Contains("1 account(s) could not be swept", error.Message, StringComparison.Ordinal);
        Assert.Equal(IsolationStatus.Isolated, _clouds[FakeCloud.AccountId].StoredRecord(InstanceId)!.Status);
        Assert.Equal(IsolationStatus.Isolated, _clouds[Second].StoredRecord(InstanceId)!.Status);
        Assert.Contains(_log.Lines, line => line.Level == LogLevel.Error && line.Message.Contains(First, StringComparison.Ordinal));
    }

    [Fact]
    public async Task HandleAsync_SweepWithAnyAccount_SweepsItsOwnAccountOnlyAndSaysSo()
    {
        foreach (var cloud in _clouds.Values)
        {
            cloud.Instances[InstanceId].Tags[_settings.TriggerTagKey] = _settings.TriggerTagValue;
        }

        var result = await CreateSut(AccountSettings.AnyAccount).HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep), CancellationToken.None);

        Assert.Equal([(InstanceId, FakeCloud.AccountId, "isolated")], result.Instances.Select(i => (i.InstanceId, i.Account, i.Outcome)));
        Assert.Empty(_clouds[First].Calls);
        Assert.Empty(_clouds[Second].Calls);
        Assert.Contains(_log.Lines, line => line.Level == LogLevel.Warning && line.Message.Contains("EC2ISOLATION_ALLOWED_ACCOUNTS=*", StringComparison.Ordinal));
    }
}
