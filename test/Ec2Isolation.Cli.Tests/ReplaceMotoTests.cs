using System.Text.Json;
using Amazon.EC2.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Cli.Tests;

/// <summary>
/// <c>replace</c> through the built program against moto: an instance is isolated by the program, then replaced, and
/// the replacement is read back. The groups are read from the replacement's ENI; the profile from
/// DescribeIamInstanceProfileAssociations (moto.md). moto ignores RunInstances' ClientToken, so idempotency is the record's.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class ReplaceMotoTests(MotoServer moto) : MotoAccountTests(moto)
{
    [Fact]
    public async Task Replace_FromAmi_ReplacementHasThePrimaryEnisGroupsTheProfileTheSubnetAndTheTags()
    {
        var web = await Account.Network.CreateGroupAsync("web");
        var instance = await Account.Network.RunInstanceAsync([web], [await Account.Network.CreateGroupAsync("db")]);
        var instanceId = await IsolateNamedWebAsync(instance.InstanceId);

        var run = await RunAsync($"replace {instanceId} --ami {Ec2TestAccount.ImageId} -o json");

        Assert.Equal((0, "Launched"), (run.ExitCode, Json(run).GetProperty("outcome").GetString()));
        var replacement = await Account.InstanceAsync(Json(run).GetProperty("replacementInstanceId").GetString()!);
        Assert.Equal((Account.Network.SubnetId, "t3.micro", Ec2TestAccount.ImageId), (replacement.SubnetId, replacement.InstanceType.Value, replacement.ImageId));
        Assert.Equal([web], Assert.Single(replacement.NetworkInterfaces).Groups.Select(group => group.GroupId));
        Assert.EndsWith("instance-profile/" + MotoAccount.AppProfile, await Account.ProfileArnAsync(replacement.InstanceId), StringComparison.Ordinal);
        var tags = await Account.TagsAsync(replacement.InstanceId);
        Assert.Equal((instanceId, "web-replacement"), (tags["ec2-isolation:replaces"], tags["Name"]));
        var status = await RunAsync($"status {instanceId} -o json");
        Assert.Equal(replacement.InstanceId, Json(status).GetProperty("record").GetProperty("replacementInstanceIds")[0].GetString());
    }

    [Fact]
    public async Task Replace_LaunchedFromATemplate_ReplacementComesFromTheSameTemplateVersion()
    {
        var web = await Account.Network.CreateGroupAsync("web");
        var (instance, template) = await Account.Network.RunFromLaunchTemplateAsync([web]);
        var instanceId = await IsolateNamedWebAsync(instance.InstanceId);

        var run = await RunAsync($"replace {instanceId} -o json");

        Assert.Equal(0, run.ExitCode);
        var replacement = await Account.InstanceAsync(Json(run).GetProperty("replacementInstanceId").GetString()!);
        var tags = await Account.TagsAsync(replacement.InstanceId);
        Assert.Equal((template, "1"), (tags["aws:ec2launchtemplate:id"], tags["aws:ec2launchtemplate:version"]));
        Assert.Equal((Account.Network.SubnetId, "t3.small"), (replacement.SubnetId, replacement.InstanceType.Value));
        Assert.Equal([web], Assert.Single(replacement.NetworkInterfaces).Groups.Select(group => group.GroupId));
    }

    [Fact]
    public async Task Replace_Rerun_AlreadyReplacedAndNothingLaunchedUnlessForced()
    {
        var instanceId = await IsolatedWebInstanceAsync();
        var first = await RunAsync($"replace {instanceId} --ami {Ec2TestAccount.ImageId} -o json");

        var again = await RunAsync($"replace {instanceId} --ami {Ec2TestAccount.ImageId} -o json");
        var forced = await RunAsync($"replace {instanceId} --ami {Ec2TestAccount.ImageId} --force -o json");

        Assert.Equal((0, "AlreadyReplaced"), (again.ExitCode, Json(again).GetProperty("outcome").GetString()));
        Assert.Equal(Json(first).GetProperty("replacementInstanceId").GetString(), Json(again).GetProperty("replacementInstanceId").GetString());
        Assert.Equal((0, "Launched"), (forced.ExitCode, Json(forced).GetProperty("outcome").GetString()));
        Assert.Equal(2, (await ReplacementsOfAsync(instanceId)).Count);
    }

    [Fact]
    public async Task Replace_DryRun_PrintsThePermissionCheckedLaunchAndLaunchesNothing()
    {
        var instanceId = await IsolatedWebInstanceAsync();

        var plan = await RunAsync($"replace {instanceId} --ami {Ec2TestAccount.ImageId} --dry-run -o json");

        Assert.Equal(0, plan.ExitCode);
        var launch = Json(plan).GetProperty("plan").GetProperty("calls").EnumerateArray().Single(call => call.GetProperty("api").GetString() == "ec2:RunInstances");
        Assert.Equal("Allowed", launch.GetProperty("permission").GetString());
        Assert.Empty(await ReplacementsOfAsync(instanceId));
        Assert.Contains("\"replacementInstanceIds\": []", (await RunAsync($"status {instanceId} -o json")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replace_AutoScalingMember_TheGroupReplacesItAndNothingIsLaunched()
    {
        var (instanceId, _) = await Account.CreateAutoScalingMemberBehindTargetGroupAsync(await Account.Network.CreateGroupAsync("web"));
        Assert.Equal(0, (await RunAsync($"isolate {instanceId}")).ExitCode);

        var run = await RunAsync($"replace {instanceId} --ami {Ec2TestAccount.ImageId} -o json");

        Assert.Equal((0, "ReplacedByAutoScalingGroup"), (run.ExitCode, Json(run).GetProperty("outcome").GetString()));
        Assert.Equal("web", Json(run).GetProperty("autoScalingGroupName").GetString());
        Assert.Empty(await ReplacementsOfAsync(instanceId));
    }

    [Fact]
    public async Task Replace_NeitherAmiNorLaunchTemplate_ExitCode2AndNothingLaunched()
    {
        var instanceId = await IsolatedWebInstanceAsync();

        var run = await RunAsync($"replace {instanceId}");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("choose an image with --ami", run.Error, StringComparison.Ordinal);
        Assert.Empty(await ReplacementsOfAsync(instanceId));
    }

    [Fact]
    public async Task Replace_NotIsolated_ExitCode2AndNothingLaunched()
    {
        var instance = await Account.Network.RunInstanceAsync([await Account.Network.CreateGroupAsync("web")]);

        var run = await RunAsync($"replace {instance.InstanceId} --ami {Ec2TestAccount.ImageId}");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("has no isolation record", run.Error, StringComparison.Ordinal);
        Assert.Empty(await ReplacementsOfAsync(instance.InstanceId));
    }

    private async Task<string> IsolatedWebInstanceAsync() =>
        await IsolateNamedWebAsync((await Account.Network.RunInstanceAsync([await Account.Network.CreateGroupAsync("web")])).InstanceId);

    /// <summary>Names the instance web, gives it the application's profile, and isolates it with the program.</summary>
    private async Task<string> IsolateNamedWebAsync(string instanceId)
    {
        await Account.Ec2.CreateTagsAsync(new() { Resources = [instanceId], Tags = [new("Name", "web")] });
        await Account.AssociateAppProfileAsync(instanceId);
        var isolate = await RunAsync($"isolate {instanceId}");
        Assert.True(isolate.ExitCode == 0, isolate.Error);
        return instanceId;
    }

    /// <summary>The instances tagged as replacements of this one.</summary>
    private async Task<List<string>> ReplacementsOfAsync(string instanceId)
    {
        var response = await Account.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest { Filters = [new("tag:ec2-isolation:replaces", [instanceId])] });
        return [.. (response.Reservations ?? []).SelectMany(reservation => reservation.Instances).Select(instance => instance.InstanceId)];
    }

    private static JsonElement Json(ProgramRun run) => JsonDocument.Parse(run.Output).RootElement;

    private Task<ProgramRun> RunAsync(string arguments) => CliProgram.RunAsync(arguments, MotoEnvironment.For(Moto.EndpointUrl));
}
