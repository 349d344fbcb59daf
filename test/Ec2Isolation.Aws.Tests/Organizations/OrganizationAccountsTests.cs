using Ec2Isolation.Aws.Organizations;
using Ec2Isolation.Aws.Tests.Query;
using Ec2Isolation.Core.Accounts;
using static Ec2Isolation.Aws.Tests.Organizations.AwsJsonClientTests;

namespace Ec2Isolation.Aws.Tests.Organizations;

public sealed class OrganizationAccountsTests
{
    private readonly ImmediateTimeProvider _time = new();

    private AwsJsonClient ClientFor(ScriptedHandler handler) => new(new HttpClient(handler), Endpoint, "AWSOrganizationsV20161128", _time);

    [Fact]
    public async Task GetAccountsAsync_NestedUnitsAndPages_EveryActiveAccountOnce()
    {
        // ou-1 holds one active and one suspended account on two pages, and ou-2, which holds one more.
        var handler = new ScriptedHandler(attempt => attempt switch
        {
            0 => Json("""{"Accounts":[{"Id":"111111111111","State":"ACTIVE"}],"NextToken":"p2"}"""),
            1 => Json("""{"Accounts":[{"Id":"222222222222","State":"SUSPENDED","Status":"SUSPENDED"}]}"""),
            2 => Json("""{"OrganizationalUnits":[{"Id":"ou-ab12-22222222"}]}"""),
            3 => Json("""{"Accounts":[{"Id":"333333333333","Status":"ACTIVE"}]}"""),
            _ => Json("""{"OrganizationalUnits":[]}"""),
        });
        using var reader = new OrganizationAccounts(
            ClientFor(handler), new AccountSettings("member", new HashSet<string> { "ou-ab12-11111111" }, ExternalId: null), TimeProvider.System);

        var accounts = await reader.GetAccountsAsync(refresh: false, CancellationToken.None);
        var again = await reader.GetAccountsAsync(refresh: false, CancellationToken.None);

        Assert.Equal(["111111111111", "333333333333"], accounts.Order());
        Assert.Same(accounts, again);
        Assert.Equal("""{"ParentId":"ou-ab12-11111111","NextToken":"p2"}""", handler.Bodies[1]);
        Assert.Equal(5, handler.Attempts);
    }

    [Fact]
    public async Task GetAccountsAsync_RefreshSoonAfterAListing_WaitsOutTheIntervalThenListsAgain()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var handler = new ScriptedHandler(attempt => Json(attempt == 0
            ? """{"Accounts":[{"Id":"111111111111","State":"ACTIVE"}]}"""
            : """{"Accounts":[{"Id":"111111111111","State":"ACTIVE"},{"Id":"444444444444","State":"ACTIVE"}]}"""));
        using var reader = new OrganizationAccounts(
            new AwsJsonClient(new HttpClient(handler), Endpoint, "AWSOrganizationsV20161128", time),
            new AccountSettings("member", new HashSet<string> { AccountSettings.WholeOrganization }, ExternalId: null),
            time);
        await reader.GetAccountsAsync(refresh: false, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(1));

        var refreshing = reader.GetAccountsAsync(refresh: true, CancellationToken.None);
        Assert.False(refreshing.IsCompleted);
        Assert.Equal(1, handler.Attempts);
        time.Advance(OrganizationAccounts.MinimumRefreshInterval);

        Assert.Contains("444444444444", await refreshing);
        Assert.Equal(2, handler.Attempts);
    }
}
