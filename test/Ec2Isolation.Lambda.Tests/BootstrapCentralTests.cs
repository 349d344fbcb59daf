using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Lambda.Tests;

/// <summary>
/// The real Native AOT bootstrap in central mode: the emulator's default account is the security account (its table),
/// two member accounts hold the instances, and the function assumes their member role (moto does not evaluate trust
/// policies; the CDK template tests check who may assume it).
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
[Trait("Category", "Aot")]
public sealed class BootstrapCentralTests(MotoServer moto) : BootstrapFunctionTests(moto)
{
    private const string First = "111111111111";
    private const string Second = "222222222222";

    protected override Task ConfigureAsync(Dictionary<string, string?> environment)
    {
        environment["EC2ISOLATION_MEMBER_ROLE_NAME"] = MotoAccount.MemberRole;
        environment["EC2ISOLATION_ALLOWED_ACCOUNTS"] = $"{First},{Second}";
        return Task.CompletedTask;
    }

    [Fact]
    public async Task TagChanges_TwoMembersAndAnOutsider_MembersIsolatedInTheirAccountsOutsiderRefused()
    {
        var first = await MotoAccount.CreateMemberAsync(Moto, First);
        var second = await MotoAccount.CreateMemberAsync(Moto, Second);
        var outsider = await MotoAccount.CreateMemberAsync(Moto, "333333333333");
        var instances = new[]
        {
            (first, First, await first.Network.RunInstanceAsync([await first.Network.CreateGroupAsync("app")])),
            (second, Second, await second.Network.RunInstanceAsync([await second.Network.CreateGroupAsync("app")])),
        };
        var app = await outsider.Network.CreateGroupAsync("app");
        var outsiderInstance = await outsider.Network.RunInstanceAsync([app]);

        var actions = new List<string?>();
        foreach (var (member, accountId, instance) in instances)
        {
            await member.Network.ApplyTriggerTagAsync(instance.InstanceId);
            actions.Add((await InvokeAsync(TagChange(accountId, instance.InstanceId))).GetProperty("action").GetString());
        }

        await outsider.Network.ApplyTriggerTagAsync(outsiderInstance.InstanceId);
        var refused = await InvokeAsync(TagChange("333333333333", outsiderInstance.InstanceId));

        Assert.Equal(["isolated", "isolated"], actions);
        foreach (var (member, accountId, instance) in instances)
        {
            var quarantine = await member.GroupAsync(Account.Settings.QuarantineGroupName);
            Assert.All(await member.EniGroupsAsync(instance), groups => Assert.Equal([quarantine.GroupId], groups));
            Assert.Equal(IsolationStatus.Isolated, (await Account.ReadRecordAsync(instance.InstanceId, accountId))!.Status);
        }

        Assert.Equal("refused", refused.GetProperty("action").GetString());
        Assert.All(await outsider.EniGroupsAsync(outsiderInstance), groups => Assert.Equal([app], groups));
    }

    [Fact]
    public async Task Sweep_TaggedInstanceOfAMember_IsolatedInItsAccountAndNamedInTheResult()
    {
        var first = await MotoAccount.CreateMemberAsync(Moto, First);
        _ = await MotoAccount.CreateMemberAsync(Moto, Second);
        var instance = await first.Network.RunInstanceAsync([await first.Network.CreateGroupAsync("app")]);
        await first.Ec2.CreateTagsAsync(new() { Resources = [instance.InstanceId], Tags = [new(Account.Settings.TriggerTagKey, Account.Settings.TriggerTagValue)] });

        var result = await InvokeAsync(SampleEvents.Load(SampleEvents.ScheduledSweep));

        var swept = Assert.Single(result.GetProperty("instances").EnumerateArray());
        Assert.Equal(
            (instance.InstanceId, First, "isolated"),
            (swept.GetProperty("instanceId").GetString(), swept.GetProperty("account").GetString(), swept.GetProperty("outcome").GetString()));
        Assert.Equal(IsolationStatus.Isolated, (await Account.ReadRecordAsync(instance.InstanceId, First))!.Status);
    }

    [Fact]
    public async Task TagChange_OwnAccount_NoStsCallBeforeContainment()
    {
        var app = await Account.Network.CreateGroupAsync("app");
        var instance = await Account.Network.RunInstanceAsync([app]);
        await Account.Network.ApplyTriggerTagAsync(instance.InstanceId);
        await Moto.StartRecordingAsync();

        var result = await InvokeAsync(SampleEvents.Load(SampleEvents.TagChange, instance.InstanceId));

        Assert.Equal("isolated", result.GetProperty("action").GetString());
        // The function's account comes from its invoked ARN (the stand-in's is the emulator's default account).
        Assert.DoesNotContain(RequestLog.Parse(await Moto.StopRecordingAsync()), request => request.Service == "sts");
    }

    private static string TagChange(string accountId, string instanceId) => SampleEvents.OfAccount(SampleEvents.TagChange, instanceId, accountId);

}
