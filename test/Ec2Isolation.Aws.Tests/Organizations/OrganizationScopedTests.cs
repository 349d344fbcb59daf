using System.Diagnostics;
using Amazon;
using Amazon.Runtime.Signing;
using Ec2Isolation.Aws.Organizations;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Ec2Isolation.Aws.Tests.Organizations;

/// <summary>
/// The organization-scoped central mode against moto's AWS Organizations: the central deployment is the emulator's
/// default account, which creates the organization (its management account) and the member accounts; their state is
/// reached through the member role, as in <see cref="Accounts.CentralIsolationTests"/>.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class OrganizationScopedTests(MotoServer moto, ITestOutputHelper output) : MotoAccountTests(moto)
{
    private ServiceProvider Central() =>
        Account.BuildProvider(settings => settings with
        {
            Accounts = new AccountSettings(MotoAccount.MemberRole, new HashSet<string> { AccountSettings.WholeOrganization }, ExternalId: null),
        });

    private AwsJsonClient Organizations()
    {
        var clients = Moto.Clients();
        var signer = new SigV4SigningHandler(clients.Credentials, RegionEndpoint.USEast1, "organizations", new HttpClientHandler());
        return new AwsJsonClient(new HttpClient(signer), new Uri(Moto.EndpointUrl), "AWSOrganizationsV20161128", TimeProvider.System);
    }

    private static async Task<string> CreateAccountAsync(AwsJsonClient organizations, string name)
    {
        using var answer = await organizations.SendAsync("CreateAccount", json =>
        {
            json.WriteString("AccountName", name);
            json.WriteString("Email", name + "@example.com");
        }, CancellationToken.None);
        return answer.RootElement.GetProperty("CreateAccountStatus").GetProperty("AccountId").GetString()!;
    }

    private async Task<AwsJsonClient> CreateOrganizationAsync()
    {
        var organizations = Organizations();
        using var _ = await organizations.SendAsync("CreateOrganization", json => json.WriteString("FeatureSet", "ALL"), CancellationToken.None);
        return organizations;
    }

    [Fact]
    public async Task HandleAsync_AccountCreatedAfterTheDeploymentListedTheOrganization_IsolatedWithoutARedeploy()
    {
        var organizations = await CreateOrganizationAsync();
        var first = await CreateAccountAsync(organizations, "first");
        await using var central = Central();
        var processor = central.GetRequiredService<IIsolationEventProcessor>();
        var swept = await processor.HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep), CancellationToken.None);
        Assert.Equal("swept", swept.Action);

        // A new account joins; its member stack comes from the StackSet, nothing of the central deployment changes.
        var joined = await CreateAccountAsync(organizations, "joined");
        var member = await MotoAccount.CreateMemberAsync(Moto, joined);
        var instance = await member.Network.RunInstanceAsync([await member.Network.CreateGroupAsync("app")]);
        await member.Network.ApplyTriggerTagAsync(instance.InstanceId);

        var result = await processor.HandleAsync(SampleEvents.OfAccount(SampleEvents.TagChange, instance.InstanceId, joined), CancellationToken.None);

        Assert.NotEqual(first, joined);
        Assert.Equal("isolated", result.Action);
        var quarantine = await member.GroupAsync(Account.Settings.QuarantineGroupName);
        Assert.All(await member.EniGroupsAsync(instance), groups => Assert.Equal([quarantine.GroupId], groups));
        Assert.Equal(IsolationStatus.Isolated, (await Account.ReadRecordAsync(instance.InstanceId, joined))!.Status);
    }

    [Fact]
    public async Task HandleAsync_AccountOutsideTheOrganization_RefusedAndCountedAsUncovered()
    {
        await CreateOrganizationAsync();
        var outsider = await MotoAccount.CreateMemberAsync(Moto, "333333333333");
        var app = await outsider.Network.CreateGroupAsync("app");
        var instance = await outsider.Network.RunInstanceAsync([app]);
        var log = new RecordingLogger<AccountRouter>();
        await using var central = Account.BuildProvider(settings => settings with
        {
            Accounts = new AccountSettings(MotoAccount.MemberRole, new HashSet<string> { AccountSettings.WholeOrganization }, ExternalId: null),
        });
        var router = new AccountRouter(
            central.GetRequiredService<Ec2Isolation.Core.Configuration.IsolationSettings>().Accounts,
            MotoServer.Region,
            new KnownAccount(MotoServer.AccountId),
            central.GetRequiredService<IAccountRouter>().Home,
            _ => throw new InvalidOperationException("no member expected"),
            log,
            central.GetRequiredService<IOrganizationAccounts>());

        var error = await Assert.ThrowsAsync<AccountRefusedException>(() => router.ForAsync("333333333333", MotoServer.Region, CancellationToken.None));
        var result = await central.GetRequiredService<IIsolationEventProcessor>().HandleAsync(
            SampleEvents.OfAccount(SampleEvents.TagChange, instance.InstanceId, "333333333333"), CancellationToken.None);

        Assert.Contains("nor an active account of the organization", error.Message, StringComparison.Ordinal);
        Assert.Contains("(1 uncovered)", Assert.Single(log.Lines).Message, StringComparison.Ordinal);
        Assert.Equal("refused", result.Action);
        Assert.All(await outsider.EniGroupsAsync(instance), groups => Assert.Equal([app], groups));
    }

    /// <summary>
    /// The sweep over 200 member accounts, each through its member role, 20 of them with a tagged instance. Not a timed
    /// test: it asserts what was swept, and prints the time for bench/RESULTS.md.
    /// </summary>
    [Fact]
    [Trait("Category", "Bench")]
    public async Task HandleAsync_SweepOfTwoHundredMemberAccounts_EveryTaggedInstanceIsolatedAndSummarized()
    {
        var organizations = await CreateOrganizationAsync();
        var setup = Stopwatch.StartNew();
        var accounts = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            accounts.Add(await CreateAccountAsync(organizations, $"member{i:D3}"));
        }

        var tagged = new List<(string Account, string InstanceId)>();
        foreach (var accountId in accounts.Where((_, i) => i % 10 == 0))
        {
            var member = await MotoAccount.CreateMemberAsync(Moto, accountId);
            var instance = await member.Network.RunInstanceAsync([await member.Network.CreateGroupAsync("app")]);
            await member.Ec2.CreateTagsAsync(new() { Resources = [instance.InstanceId], Tags = [new(Account.Settings.TriggerTagKey, Account.Settings.TriggerTagValue)] });
            tagged.Add((accountId, instance.InstanceId));
        }

        output.WriteLine($"setup: {setup.Elapsed.TotalSeconds:F1} s");
        await using var central = Central();
        var processor = central.GetRequiredService<IIsolationEventProcessor>();

        var first = Stopwatch.StartNew();
        var result = await processor.HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep), CancellationToken.None);
        first.Stop();
        var second = Stopwatch.StartNew();
        var again = await processor.HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep), CancellationToken.None);
        second.Stop();

        output.WriteLine($"first sweep (20 isolations): {first.Elapsed.TotalSeconds:F1} s; second sweep (all already isolated): {second.Elapsed.TotalSeconds:F1} s");
        Assert.Contains("in 201 account(s)", result.Message, StringComparison.Ordinal);
        Assert.Equal(tagged.Order(), result.Instances.Select(i => (i.Account!, i.InstanceId)).Order());
        Assert.All(result.Instances, i => Assert.Equal("isolated", i.Outcome));
        Assert.Equal(new Dictionary<string, int> { ["isolated"] = 20 }, result.Counts);
        Assert.Equal(new Dictionary<string, int> { ["already-isolated"] = 20 }, again.Counts);

        // moto's reset of 201 accounts' state outlasts the shared client's 30 s: done here, with time, for the next test.
        var reset = Stopwatch.StartNew();
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        using var response = await http.PostAsync(new Uri(Moto.EndpointUrl + "/moto-api/reset"), null);
        response.EnsureSuccessStatusCode();
        output.WriteLine($"moto reset after 201 accounts: {reset.Elapsed.TotalSeconds:F1} s");
    }
}
