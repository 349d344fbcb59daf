using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Lambda.Tests;

/// <summary>
/// The real Native AOT bootstrap on findings naming several instances or another account: a member's GuardDuty finding
/// at the delegated administrator (central mode), an attack sequence, the Security Hub custom action, CloudTrail's
/// records of tampering with an isolated instance and with the quarantine group, and of who applied the trigger tag. The emulator's
/// default account is the deployment's own (the administrator's).
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
[Trait("Category", "Aot")]
public sealed class BootstrapFindingTests(MotoServer moto) : BootstrapFunctionTests(moto)
{
    private const string Member = "111111111111";

    protected override Task ConfigureAsync(Dictionary<string, string?> environment)
    {
        environment["EC2ISOLATION_MEMBER_ROLE_NAME"] = MotoAccount.MemberRole;
        environment["EC2ISOLATION_ALLOWED_ACCOUNTS"] = Member;
        environment["EC2ISOLATION_SECURITYHUB_ACTION_ID"] = SampleEvents.SecurityHubActionId;
        return Task.CompletedTask;
    }

    [Fact]
    public async Task GuardDutyFindingOfAMember_AtTheDelegatedAdministrator_IsolatedInTheMemberAccount()
    {
        var member = await MotoAccount.CreateMemberAsync(Moto, Member);
        var instance = await member.Network.RunInstanceAsync([await member.Network.CreateGroupAsync("app")]);

        var result = await InvokeAsync(SampleEvents.MemberFinding(instance.InstanceId, Member));

        Assert.Equal("isolated", result.GetProperty("action").GetString());
        Assert.Equal(Member, result.GetProperty("instances")[0].GetProperty("account").GetString());
        var quarantine = await member.GroupAsync(Account.Settings.QuarantineGroupName);
        Assert.All(await member.EniGroupsAsync(instance), groups => Assert.Equal([quarantine.GroupId], groups));
        Assert.Equal(IsolationStatus.Isolated, (await Account.ReadRecordAsync(instance.InstanceId, Member))!.Status);
    }

    [Fact]
    public async Task AttackSequence_EveryNamedInstanceQuarantinedEachWithItsRecordAndARepublicationChangesNothing()
    {
        var app = await Account.Network.CreateGroupAsync("app");
        var launched = new List<TestInstance>();
        for (var i = 0; i < 3; i++)
        {
            launched.Add(await Account.Network.RunInstanceAsync([app]));
        }

        var instances = launched.Select(i => i.InstanceId).ToList();
        var sequence = SampleEvents.AttackSequence([instances[0]], [instances[0], instances[1]], [instances[2]], []);
        var result = await InvokeAsync(sequence);
        var again = await InvokeAsync(sequence);

        Assert.Equal(("guardduty-finding", "isolated"), (result.GetProperty("eventKind").GetString(), result.GetProperty("action").GetString()));
        Assert.Equal(instances.Order(StringComparer.Ordinal), result.GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("instanceId").GetString()));
        Assert.Equal("already-handled", again.GetProperty("action").GetString());
        var quarantine = await Account.GroupAsync(Account.Settings.QuarantineGroupName);
        var incidents = new HashSet<string>();
        foreach (var instance in launched)
        {
            Assert.All(await Account.EniGroupsAsync(instance), groups => Assert.Equal([quarantine.GroupId], groups));
            var record = (await Account.ReadRecordAsync(instance.InstanceId))!;
            Assert.Equal((IsolationStatus.Isolated, SampleEvents.AttackSequenceFindingId), (record.Status, Assert.Single(record.FindingIds)));
            incidents.Add(record.IncidentId);
        }

        Assert.Equal(3, incidents.Count);
    }

    [Fact]
    public async Task SecurityHubCustomAction_InstanceIsolatedAndAnotherActionIgnored()
    {
        var app = await Account.Network.CreateGroupAsync("app");
        var chosen = await Account.Network.RunInstanceAsync([app]);
        var other = await Account.Network.RunInstanceAsync([app]);

        var isolated = await InvokeAsync(SampleEvents.SecurityHubAction([SampleEvents.InstanceArn(chosen.InstanceId)]));
        var ignored = await InvokeAsync(SampleEvents.SecurityHubAction([SampleEvents.InstanceArn(other.InstanceId)], actionId: "SendToTicketing"));

        Assert.Equal(("securityhub-action", "isolated"), (isolated.GetProperty("eventKind").GetString(), isolated.GetProperty("action").GetString()));
        Assert.Equal("ignored", ignored.GetProperty("action").GetString());
        var quarantine = await Account.GroupAsync(Account.Settings.QuarantineGroupName);
        Assert.All(await Account.EniGroupsAsync(chosen), groups => Assert.Equal([quarantine.GroupId], groups));
        Assert.All(await Account.EniGroupsAsync(other), groups => Assert.Equal([app], groups));
        Assert.Equal([SampleEvents.SecurityHubFindingId], (await Account.ReadRecordAsync(chosen.InstanceId))!.FindingIds);
    }

    [Fact]
    public async Task Tampering_NetworkInterfaceMovedBackToItsGroup_ReContainedAndTheCallerNamed()
    {
        var app = await Account.Network.CreateGroupAsync("app");
        var instance = await Account.Network.RunInstanceAsync([app]);
        await Account.Network.ApplyTriggerTagAsync(instance.InstanceId);
        Assert.Equal("isolated", (await InvokeAsync(SampleEvents.Load(SampleEvents.TagChange, instance.InstanceId))).GetProperty("action").GetString());
        var eni = instance.NetworkInterfaceIds[0];
        await Account.Ec2.ModifyNetworkInterfaceAttributeAsync(new() { NetworkInterfaceId = eni, Groups = [app] });

        var result = await InvokeAsync(SampleEvents.NetworkInterfaceCall(eni, app));

        Assert.Equal(("tamper", "isolated"), (result.GetProperty("eventKind").GetString(), result.GetProperty("action").GetString()));
        Assert.Equal(SampleEvents.AttackerArn, result.GetProperty("tampering").GetProperty("caller").GetString());
        var quarantine = await Account.GroupAsync(Account.Settings.QuarantineGroupName);
        Assert.All(await Account.EniGroupsAsync(instance), groups => Assert.Equal([quarantine.GroupId], groups));
    }

    [Fact]
    public async Task Tampering_RuleAddedToTheQuarantineGroup_Revoked()
    {
        var instance = await Account.Network.RunInstanceAsync([await Account.Network.CreateGroupAsync("app")]);
        await Account.Network.ApplyTriggerTagAsync(instance.InstanceId);
        Assert.Equal("isolated", (await InvokeAsync(SampleEvents.Load(SampleEvents.TagChange, instance.InstanceId))).GetProperty("action").GetString());
        var quarantine = await Account.GroupAsync(Account.Settings.QuarantineGroupName);
        await Account.Ec2.AuthorizeSecurityGroupIngressAsync(new()
        {
            GroupId = quarantine.GroupId,
            IpPermissions = [new() { IpProtocol = "tcp", FromPort = 22, ToPort = 22, Ipv4Ranges = [new() { CidrIp = "0.0.0.0/0" }] }],
        });

        var result = await InvokeAsync(SampleEvents.GroupRuleCall("AuthorizeSecurityGroupIngress", quarantine.GroupId, "tcp", 22, "0.0.0.0/0"));

        Assert.Equal(("tamper", "reverted"), (result.GetProperty("eventKind").GetString(), result.GetProperty("action").GetString()));
        Assert.Empty((await Account.GroupAsync(Account.Settings.QuarantineGroupName)).IpPermissions ?? []);
    }

    [Fact]
    public async Task TriggerTagCall_AfterTheTagChangesIsolation_RecordNamesTheCaller()
    {
        var instance = await Account.Network.RunInstanceAsync([await Account.Network.CreateGroupAsync("app")]);
        await Account.Network.ApplyTriggerTagAsync(instance.InstanceId);
        Assert.Equal("isolated", (await InvokeAsync(SampleEvents.Load(SampleEvents.TagChange, instance.InstanceId))).GetProperty("action").GetString());

        var result = await InvokeAsync(SampleEvents.CreateTagsCall(
            [instance.InstanceId], new Dictionary<string, string> { ["ec2-isolation"] = "isolate" }, SampleEvents.IamUserArn, callerRoleArn: null));

        Assert.Equal(("trigger-tag-call", "already-isolated"), (result.GetProperty("eventKind").GetString(), result.GetProperty("action").GetString()));
        Assert.Equal(SampleEvents.IamUserArn, (await Account.ReadRecordAsync(instance.InstanceId))!.RequestedBy);
    }

}
