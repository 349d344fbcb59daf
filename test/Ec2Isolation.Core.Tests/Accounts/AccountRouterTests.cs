using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Logging;
using Moq;

namespace Ec2Isolation.Core.Tests.Accounts;

public sealed class AccountRouterTests
{
    private const string Member = "111111111111";
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly AccountServices _home = FakeAccounts.Services(Mock.Of<IIsolationService>(), new FakeCloud());
    private readonly RecordingLogger<AccountRouter> _log = new();
    private readonly List<string> _built = [];

    private AccountRouter CreateSut(AccountSettings? settings) => FakeAccounts.Router(
        _home,
        settings,
        accountId =>
        {
            _built.Add(accountId);
            return FakeAccounts.Services(Mock.Of<IIsolationService>(), new FakeCloud());
        },
        _log);

    private static AccountSettings Central(params string[] allowed) => new("ec2-isolation-member", allowed.ToHashSet(), ExternalId: null);

    [Fact]
    public async Task ForAsync_HomeAccount_HomeServicesWithoutAnyMember()
    {
        var services = await CreateSut(Central(Member)).ForAsync(FakeCloud.AccountId, FakeAccounts.Region, None);

        Assert.Same(_home, services);
        Assert.Empty(_built);
    }

    [Fact]
    public async Task ForAsync_AllowListedAccountTwice_BuildsItsServicesOnce()
    {
        var sut = CreateSut(Central(Member, "222222222222"));

        var first = await sut.ForAsync(Member, FakeAccounts.Region, None);
        var second = await sut.ForAsync(Member, region: null, None);

        Assert.Same(first, second);
        Assert.NotSame(_home, first);
        Assert.Equal([Member], _built);
    }

    [Fact]
    public async Task ForAsync_AnyAccountAllowed_BuildsTheNamedAccount()
    {
        await CreateSut(Central(AccountSettings.AnyAccount)).ForAsync("333333333333", FakeAccounts.Region, None);

        Assert.Equal(["333333333333"], _built);
    }

    [Theory]
    [InlineData(null, Member, FakeAccounts.Region, "acts in its own account 123456789012 only")]
    [InlineData(true, "222222222222", FakeAccounts.Region, "not in EC2ISOLATION_ALLOWED_ACCOUNTS")]
    [InlineData(true, Member, "eu-west-1", "acts in us-east-1 only")]
    [InlineData(true, FakeCloud.AccountId, "eu-west-1", "acts in us-east-1 only")]
    [InlineData(true, "12345", FakeAccounts.Region, "not an AWS account id")]
    public async Task ForAsync_AccountOrRegionOutOfReach_RefusedLoggedNothingBuilt(bool? central, string accountId, string region, string why)
    {
        var sut = CreateSut(central is null ? null : Central(Member));

        var error = await Assert.ThrowsAsync<AccountRefusedException>(() => sut.ForAsync(accountId, region, None));

        Assert.Contains(why, error.Message, StringComparison.Ordinal);
        Assert.EndsWith("Nothing was changed.", error.Message, StringComparison.Ordinal);
        Assert.Empty(_built);
        var line = Assert.Single(_log.Lines);
        Assert.Equal((LogLevel.Warning, 2100), (line.Level, line.EventId.Id));
    }
}
