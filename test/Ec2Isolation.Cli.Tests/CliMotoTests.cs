using System.Text.Json;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Cli.Tests;

/// <summary>One moto server for the integration tests of this assembly.</summary>
[CollectionDefinition(MotoTests.Collection)]
public sealed class MotoFixture : ICollectionFixture<MotoServer>;

/// <summary>The built ec2-isolation program, run as an analyst runs it, against moto.</summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class CliMotoTests(MotoServer moto) : MotoAccountTests(moto)
{

    [Fact]
    public async Task IsolateStatusRelease_RealProgram_ExitCodesAndOneJsonObjectEach()
    {
        var instance = await Account.Network.RunInstanceAsync([await Account.Network.CreateGroupAsync("app")]);

        var isolate = await RunAsync($"isolate {instance.InstanceId} --reason \"analyst saw C2 traffic\" --incident INC-9 -o json");
        var status = await RunAsync($"status {instance.InstanceId} -o json");
        var release = await RunAsync($"release {instance.InstanceId} -o json");
        var again = await RunAsync($"release {instance.InstanceId} -o json");

        Assert.Equal((0, "Isolated"), (isolate.ExitCode, Json(isolate).GetProperty("outcome").GetString()));
        Assert.Equal("INC-9", Json(isolate).GetProperty("record").GetProperty("incidentId").GetString());
        Assert.Equal("Isolated", Json(status).GetProperty("record").GetProperty("status").GetString());
        Assert.Equal((0, "Released"), (release.ExitCode, Json(release).GetProperty("outcome").GetString()));
        Assert.Equal((0, "AlreadyReleased"), (again.ExitCode, Json(again).GetProperty("outcome").GetString()));
    }

    [Fact]
    public async Task Isolate_DryRun_PrintsThePlanAndChangesNothing()
    {
        var instance = await Account.Network.RunInstanceAsync([await Account.Network.CreateGroupAsync("app")]);

        var plan = await RunAsync($"isolate {instance.InstanceId} --dry-run");
        var status = await RunAsync($"status {instance.InstanceId}");

        Assert.Equal(0, plan.ExitCode);
        Assert.Contains("ec2:ModifyNetworkInterfaceAttribute", plan.Output, StringComparison.Ordinal);
        Assert.Contains("nothing was changed", plan.Output, StringComparison.Ordinal);
        Assert.Contains("not isolated", status.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Isolate_TerminatedInstance_ExitCode2AndAClearMessage()
    {
        var instance = await Account.Network.RunInstanceAsync([await Account.Network.CreateGroupAsync("app")]);
        await Account.Ec2.TerminateInstancesAsync(new() { InstanceIds = [instance.InstanceId] });

        var run = await RunAsync($"isolate {instance.InstanceId}");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"error: Instance {instance.InstanceId} is terminated; nothing was changed.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_TagChangeEventFile_IsolatesLikeTheFunction()
    {
        var instance = await Account.Network.RunInstanceAsync([await Account.Network.CreateGroupAsync("app")]);
        await Account.Network.ApplyTriggerTagAsync(instance.InstanceId);
        var eventFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(eventFile, SampleEvents.Load(SampleEvents.TagChange, instance.InstanceId));

        var run = await RunAsync($"invoke --event {eventFile}");
        File.Delete(eventFile);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("isolated", Json(run).GetProperty("action").GetString());
        Assert.Contains("Isolated", (await RunAsync($"status {instance.InstanceId}")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Isolate_NoTableConfigured_ExitCode2NamingTheVariable()
    {
        var run = await RunAsync("isolate i-0123456789abcdef0", configured: false);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("EC2ISOLATION_TABLE", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IsolateStatus_MemberAccount_IsolatedThereRecordedInTheCallersTable()
    {
        var member = await MotoAccount.CreateMemberAsync(Moto, "111111111111");
        var instance = await member.Network.RunInstanceAsync([await member.Network.CreateGroupAsync("app")]);
        var central = new Dictionary<string, string?>
        {
            ["EC2ISOLATION_MEMBER_ROLE_NAME"] = MotoAccount.MemberRole,
            ["EC2ISOLATION_ALLOWED_ACCOUNTS"] = "111111111111",
        };

        var isolate = await RunAsync($"isolate {instance.InstanceId} --account 111111111111 -o json", central);
        var status = await RunAsync($"status {instance.InstanceId} --account 111111111111 -o json", central);
        var refused = await RunAsync($"isolate {instance.InstanceId} --account 222222222222", central);

        Assert.Equal((0, "Isolated"), (isolate.ExitCode, Json(isolate).GetProperty("outcome").GetString()));
        Assert.Equal("111111111111", Json(status).GetProperty("record").GetProperty("accountId").GetString());
        var quarantine = await member.GroupAsync(Account.Settings.QuarantineGroupName);
        Assert.All(await member.EniGroupsAsync(instance), groups => Assert.Equal([quarantine.GroupId], groups));
        Assert.Equal(IsolationStatus.Isolated, (await Account.ReadRecordAsync(instance.InstanceId, "111111111111"))!.Status);
        // The analyst who asked, not the member role, is on the record.
        Assert.StartsWith($"arn:aws:sts::{MotoServer.AccountId}:", Json(isolate).GetProperty("record").GetProperty("requestedBy").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("Refused to act in account 222222222222: it is not in EC2ISOLATION_ALLOWED_ACCOUNTS", refused.Error, StringComparison.Ordinal);
    }

    private static JsonElement Json(CliRun run) => JsonDocument.Parse(run.Output).RootElement;

    /// <summary>Runs the built program with the emulator's endpoint and dummy credentials in its environment.</summary>
    private async Task<CliRun> RunAsync(string arguments, bool configured = true) => await RunAsync(arguments, new Dictionary<string, string?>(), configured);

    /// <param name="variables">Set on top of the emulator's environment.</param>
    private async Task<CliRun> RunAsync(string arguments, Dictionary<string, string?> variables, bool configured = true)
    {
        var environment = MotoEnvironment.For(Moto.EndpointUrl);
        foreach (var (name, value) in variables)
        {
            environment[name] = value;
        }

        if (!configured)
        {
            environment.Remove("EC2ISOLATION_TABLE");
            environment.Remove("EC2ISOLATION_INSTANCE_PROFILE");
        }

        var run = await CliProgram.RunAsync(arguments, environment);
        return new CliRun(run.ExitCode, run.Output, run.Error);
    }
}
