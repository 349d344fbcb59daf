using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Logging;
using Moq;

namespace Ec2Isolation.Core.Tests.Accounts;

/// <summary>Central mode scoped by the organization or its units: accounts read from AWS Organizations, not a fixed list.</summary>
public sealed class OrganizationScopeTests
{
    private const string Listed = "111111111111";
    private const string Joined = "444444444444";
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly AccountServices _home = FakeAccounts.Services(Mock.Of<IIsolationService>(), new FakeCloud());
    private readonly RecordingLogger<AccountRouter> _log = new();
    private readonly ScriptedOrganization _organization = new();

    private AccountRouter CreateSut(params string[] allowed) => FakeAccounts.Router(
        _home,
        new AccountSettings("ec2-isolation-member", allowed.ToHashSet(), ExternalId: null),
        _ => FakeAccounts.Services(Mock.Of<IIsolationService>(), new FakeCloud()),
        _log,
        _organization);

    [Fact]
    public async Task ForAsync_AccountJoinedAfterTheLastListing_ListedAgainAndCovered()
    {
        var sut = CreateSut(AccountSettings.WholeOrganization);
        _organization.Accounts = ["222222222222"];
        await sut.SweptMembersAsync(FakeCloud.AccountId, None);

        _organization.Accounts = ["222222222222", Joined];
        var services = await sut.ForAsync(Joined, FakeAccounts.Region, None);

        Assert.NotSame(_home, services);
        Assert.Equal([false, false, true], _organization.Calls);
        Assert.Empty(_log.Lines);
    }

    [Fact]
    public async Task ForAsync_AccountOutsideTheOrganizationScope_RefusedWithTheMetricCounted()
    {
        var sut = CreateSut("ou-ab12-11111111");
        _organization.Accounts = ["222222222222"];

        var error = await Assert.ThrowsAsync<AccountRefusedException>(() => sut.ForAsync("333333333333", FakeAccounts.Region, None));

        Assert.Contains("nor an active account of the organizational units ou-ab12-11111111 in AWS Organizations", error.Message, StringComparison.Ordinal);
        var line = Assert.Single(_log.Lines);
        Assert.Equal((LogLevel.Warning, 2100), (line.Level, line.EventId.Id));
        Assert.Contains("(1 uncovered)", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForAsync_ListedAccount_NoOrganizationsCall()
    {
        await CreateSut(Listed, AccountSettings.WholeOrganization).ForAsync(Listed, FakeAccounts.Region, None);

        Assert.Empty(_organization.Calls);
    }

    [Fact]
    public async Task ForAsync_OrganizationsUnreadable_ErrorNotARefusal()
    {
        // A retry, and the function's error alarm: an unreadable organization must not pass for an uncovered account.
        _organization.Failure = new InvalidOperationException("AWS Organizations could not list the accounts");

        await Assert.ThrowsAsync<InvalidOperationException>(() => CreateSut(AccountSettings.WholeOrganization).ForAsync(Joined, FakeAccounts.Region, None));
        Assert.Empty(_log.Lines);
    }

    [Fact]
    public async Task SweptMembersAsync_ListedAndOrganizationAccounts_OnceEachInOrderWithoutTheOwn()
    {
        _organization.Accounts = [Joined, Listed, FakeCloud.AccountId];

        var members = await CreateSut(Listed, "ou-ab12-11111111").SweptMembersAsync(FakeCloud.AccountId, None);

        Assert.Equal([Listed, Joined], members);
    }

    [Fact]
    public async Task SweptMembersAsync_NotOrganizationScoped_TheListOnly()
    {
        var members = await CreateSut("222222222222", Listed).SweptMembersAsync(FakeCloud.AccountId, None);

        Assert.Equal([Listed, "222222222222"], members);
        Assert.Empty(_organization.Calls);
    }

    [Theory]
    [InlineData("organization", true)]
    [InlineData("ou-ab12-11111111,111111111111", true)]
    [InlineData("111111111111", false)]
    public void FromEnvironment_OrganizationOrUnits_ReadAsOrganizationScoped(string allowed, bool scoped)
    {
        var settings = IsolationSettings.FromEnvironment(new Dictionary<string, string>
        {
            ["EC2ISOLATION_TABLE"] = "records",
            ["EC2ISOLATION_INSTANCE_PROFILE"] = "ec2-isolation-deny-all-us-east-1",
            ["EC2ISOLATION_MEMBER_ROLE_NAME"] = "ec2-isolation/ec2-isolation-member-us-east-1",
            ["EC2ISOLATION_ALLOWED_ACCOUNTS"] = allowed,
        }.GetValueOrDefault);

        Assert.Equal(scoped, settings.Accounts!.OrganizationScoped);
    }

    [Theory]
    [InlineData("ou-ab12")]
    [InlineData("o-a1b2c3d4e5")]
    [InlineData("r-ab12")]
    public void FromEnvironment_NotAnAccountAUnitOrTheOrganization_Refused(string allowed)
    {
        var error = Assert.Throws<InvalidRequestException>(() => IsolationSettings.FromEnvironment(new Dictionary<string, string>
        {
            ["EC2ISOLATION_TABLE"] = "records",
            ["EC2ISOLATION_INSTANCE_PROFILE"] = "ec2-isolation-deny-all-us-east-1",
            ["EC2ISOLATION_MEMBER_ROLE_NAME"] = "ec2-isolation/ec2-isolation-member-us-east-1",
            ["EC2ISOLATION_ALLOWED_ACCOUNTS"] = allowed,
        }.GetValueOrDefault));

        Assert.Contains("organizational unit ids (ou-...)", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Organizations as the test sets it, kept as the real reader keeps it: the first listing serves until a refresh
    /// lists again. Records whether each read asked for a refresh.
    /// </summary>
    private sealed class ScriptedOrganization : IOrganizationAccounts
    {
        private IReadOnlySet<string>? _listing;

        public IReadOnlyList<string> Accounts { get; set; } = [];

        public Exception? Failure { get; set; }

        public List<bool> Calls { get; } = [];

        public Task<IReadOnlySet<string>> GetAccountsAsync(bool refresh, CancellationToken cancellationToken)
        {
            Calls.Add(refresh);
            if (Failure is not null)
            {
                return Task.FromException<IReadOnlySet<string>>(Failure);
            }

            if (refresh || _listing is null)
            {
                _listing = Accounts.ToHashSet(StringComparer.Ordinal);
            }

            return Task.FromResult(_listing);
        }
    }
}
