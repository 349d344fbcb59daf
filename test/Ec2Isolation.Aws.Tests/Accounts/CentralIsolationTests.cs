using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Ec2Isolation.Aws.Tests.Accounts;

/// <summary>
/// One central deployment (the emulator's default account, with the record table) isolating instances of two member
/// accounts, each with state of its own in moto, through the composition root the Lambda and the CLI share. moto does
/// not evaluate trust policies: that the member role trusts only the central function is checked on the CDK templates.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class CentralIsolationTests(MotoServer moto) : MotoAccountTests(moto)
{
    private const string First = "111111111111";
    private const string Second = "222222222222";
    private const string Outsider = "333333333333";

    private ServiceProvider Central(params string[] allowed) =>
        Account.BuildProvider(settings => settings with { Accounts = new AccountSettings(MotoAccount.MemberRole, allowed.ToHashSet(), ExternalId: null) });

    /// <summary>A tag change of <paramref name="accountId"/>: the event as its member rule forwards it to the central bus.</summary>
    private static string TagChange(string accountId, string instanceId) => SampleEvents.OfAccount(SampleEvents.TagChange, instanceId, accountId);

    [Fact]
    public async Task HandleAsync_TagChangesOfTwoMembers_EachIsolatedInItsOwnAccountBothRecordedCentrally()
    {
        var first = await MotoAccount.CreateMemberAsync(Moto, First);
        var second = await MotoAccount.CreateMemberAsync(Moto, Second);
        var firstInstance = await first.Network.RunInstanceAsync([await first.Network.CreateGroupAsync("app")]);
        var secondInstance = await second.Network.RunInstanceAsync([await second.Network.CreateGroupAsync("app")]);
        await first.Network.ApplyTriggerTagAsync(firstInstance.InstanceId);
        await second.Network.ApplyTriggerTagAsync(secondInstance.InstanceId);
        await using var central = Central(First, Second);
        var processor = central.GetRequiredService<IIsolationEventProcessor>();

        var results = new[]
        {
            await processor.HandleAsync(TagChange(First, firstInstance.InstanceId), CancellationToken.None),
            await processor.HandleAsync(TagChange(Second, secondInstance.InstanceId), CancellationToken.None),
        };

        Assert.All(results, result => Assert.Equal("isolated", result.Action));
        foreach (var (member, instance, accountId) in new[] { (first, firstInstance, First), (second, secondInstance, Second) })
        {
            // Read back with the member's own credentials: the change happened in its account.
            var quarantine = await member.GroupAsync(Account.Settings.QuarantineGroupName);
            Assert.All(await member.EniGroupsAsync(instance), groups => Assert.Equal([quarantine.GroupId], groups));
            Assert.EndsWith("/" + MotoAccount.IsolationProfile, await member.ProfileArnAsync(instance.InstanceId), StringComparison.Ordinal);
            var record = await Account.ReadRecordAsync(instance.InstanceId, accountId);
            Assert.Equal((IsolationStatus.Isolated, accountId, quarantine.GroupId), (record!.Status, record.AccountId, record.Artifacts.QuarantineGroupId));
        }

        // The central account's own EC2 was not touched: no quarantine group was made there.
        var centralGroups = await Account.Ec2.DescribeSecurityGroupsAsync(new Amazon.EC2.Model.DescribeSecurityGroupsRequest { Filters = [new("group-name", [Account.Settings.QuarantineGroupName])] });
        Assert.Empty(centralGroups.SecurityGroups ?? []);
    }

    [Fact]
    public async Task HandleAsync_CentralSweep_IsolatesATaggedInstanceOfAMemberWhoseEventWasLost()
    {
        var first = await MotoAccount.CreateMemberAsync(Moto, First);
        var second = await MotoAccount.CreateMemberAsync(Moto, Second);
        var tagged = await first.Network.RunInstanceAsync([await first.Network.CreateGroupAsync("app")]);
        var app = await second.Network.CreateGroupAsync("app");
        var untagged = await second.Network.RunInstanceAsync([app]);
        await first.Ec2.CreateTagsAsync(new() { Resources = [tagged.InstanceId], Tags = [new(Account.Settings.TriggerTagKey, Account.Settings.TriggerTagValue)] });
        await using var central = Central(First, Second);

        // The scheduled event comes from the central account; no tag-change event of the member ever arrived.
        var result = await central.GetRequiredService<IIsolationEventProcessor>().HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep), CancellationToken.None);

        Assert.Equal("swept", result.Action);
        Assert.Equal([(tagged.InstanceId, First, "isolated")], result.Instances.Select(i => (i.InstanceId, i.Account, i.Outcome)));
        var quarantine = await first.GroupAsync(Account.Settings.QuarantineGroupName);
        Assert.All(await first.EniGroupsAsync(tagged), groups => Assert.Equal([quarantine.GroupId], groups));
        Assert.Equal(IsolationStatus.Isolated, (await Account.ReadRecordAsync(tagged.InstanceId, First))!.Status);
        Assert.All(await second.EniGroupsAsync(untagged), groups => Assert.Equal([app], groups));
    }

    [Fact]
    public async Task HandleAsync_AccountNotAllowListed_RefusedAndNothingChanged()
    {
        var outsider = await MotoAccount.CreateMemberAsync(Moto, Outsider);
        var app = await outsider.Network.CreateGroupAsync("app");
        var instance = await outsider.Network.RunInstanceAsync([app]);
        await using var central = Central(First);

        var result = await central.GetRequiredService<IIsolationEventProcessor>().HandleAsync(TagChange(Outsider, instance.InstanceId), CancellationToken.None);

        Assert.Equal("refused", result.Action);
        Assert.Contains("not in EC2ISOLATION_ALLOWED_ACCOUNTS", result.Message, StringComparison.Ordinal);
        Assert.All(await outsider.EniGroupsAsync(instance), groups => Assert.Equal([app], groups));
        Assert.Null(await Account.ReadRecordAsync(instance.InstanceId, Outsider));
    }

    [Fact]
    public async Task HandleAsync_OtherAccountWithoutCentralMode_Refused()
    {
        var member = await MotoAccount.CreateMemberAsync(Moto, First);
        var app = await member.Network.CreateGroupAsync("app");
        var instance = await member.Network.RunInstanceAsync([app]);
        await using var single = Account.BuildProvider();

        var result = await single.GetRequiredService<IIsolationEventProcessor>().HandleAsync(TagChange(First, instance.InstanceId), CancellationToken.None);

        Assert.Equal("refused", result.Action);
        Assert.All(await member.EniGroupsAsync(instance), groups => Assert.Equal([app], groups));
    }
}
