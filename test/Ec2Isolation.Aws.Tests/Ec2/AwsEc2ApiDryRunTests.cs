using System.Text;
using System.Text.Json;
using Amazon.EC2;
using Ec2Isolation.Aws.Ec2;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Ec2;

[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class AwsEc2ApiDryRunTests(MotoServer moto) : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly IAmazonEC2 _ec2 = MotoFixture.ClientsFor(moto).CreateEc2();
    private Ec2TestAccount _account = null!;
    private string _groupId = null!;
    private TestInstance _instance = null!;
    private AwsEc2Api _dryRun = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        _account = await Ec2TestAccount.CreateAsync(_ec2);
        _groupId = await _account.CreateGroupAsync("web");
        _instance = await _account.RunInstanceAsync([_groupId], [_groupId]);
        _dryRun = new AwsEc2Api(_ec2, dryRun: true);
    }

    public Task DisposeAsync()
    {
        _ec2.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task SetNetworkInterfaceGroupsAsync_DryRun_SendsOnceAndLeavesGroupsUnchanged()
    {
        var quarantine = await _account.CreateGroupAsync("quarantine");
        await moto.StartRecordingAsync();

        await _dryRun.SetNetworkInterfaceGroupsAsync(_instance.NetworkInterfaceIds[0], [quarantine], None);

        var actions = Actions(await moto.StopRecordingAsync());
        Assert.Equal(["ModifyNetworkInterfaceAttribute"], actions);
        var groups = await _dryRun.DescribeNetworkInterfaceGroupsAsync(_instance.NetworkInterfaceIds, None);
        Assert.All(groups, eni => Assert.Equal([_groupId], eni.GroupIds));
    }

    [Fact]
    public async Task MutatingCalls_DryRun_ChangeNothingAndAnswerAllowed()
    {
        var before = await DescribeStateAsync();
        var tags = new Dictionary<string, string> { ["Isolation"] = "isolated" };
        var rules = new[] { SecurityGroupRule.AllTraffic("10.0.0.0/8") };
        var volumes = before.Instance.Volumes.Select(volume => volume with { DeleteOnTermination = !volume.DeleteOnTermination }).ToList();

        Assert.Equal(AwsEc2Api.DryRunGroupId, await _dryRun.CreateSecurityGroupAsync(_account.VpcId, "quarantine", "isolation", tags, None));
        await _dryRun.AuthorizeAsync(_groupId, RuleDirection.Ingress, rules, None);
        await _dryRun.RevokeAsync(_groupId, RuleDirection.Egress, [SecurityGroupRule.AllTraffic("0.0.0.0/0")], None);
        await _dryRun.SetProtectionAsync(_instance.InstanceId, new(true, true, "stop"), includeTermination: true, None);
        await _dryRun.SetDeleteOnTerminationAsync(_instance.InstanceId, volumes, None);
        Assert.Empty(await _dryRun.CreateSnapshotsAsync(_instance.InstanceId, tags, None));
        await _dryRun.CreateTagsAsync(_instance.InstanceId, tags, None);
        await _dryRun.DeleteTagsAsync(_instance.InstanceId, ["Name"], None);

        Assert.Equivalent(before, await DescribeStateAsync(), strict: true);
        Assert.Empty(await _dryRun.FindSnapshotsAsync("Isolation", "isolated", None));
    }

    [Fact]
    public async Task ProfileCalls_DryRun_ThrowDryRunNotSupportedAndSendNothing()
    {
        await moto.StartRecordingAsync();

        await Assert.ThrowsAsync<DryRunNotSupportedException>(() => _dryRun.AssociateProfileAsync(_instance.InstanceId, "isolation", None));
        await Assert.ThrowsAsync<DryRunNotSupportedException>(() => _dryRun.ReplaceProfileAssociationAsync("iip-assoc-1", "isolation", None));
        await Assert.ThrowsAsync<DryRunNotSupportedException>(() => _dryRun.DisassociateProfileAsync("iip-assoc-1", None));

        Assert.Empty(Actions(await moto.StopRecordingAsync()));
    }

    private async Task<(InstanceDescription Instance, InstanceProtection Protection, IReadOnlyList<SecurityGroupInfo> Groups)> DescribeStateAsync() =>
        ((await _dryRun.DescribeInstanceAsync(_instance.InstanceId, None))!,
         await _dryRun.DescribeProtectionAsync(_instance.InstanceId, None),
         await _dryRun.FindSecurityGroupsAsync(["web", "quarantine"], None));

    /// <summary>The EC2 actions in a moto request recording, in arrival order (an SDK retry shows as a second entry).</summary>
    private static List<string> Actions(string recording) =>
        [.. recording.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Select(entry => entry.GetProperty("body").GetString() ?? string.Empty)
            .Select(body => Encoding.UTF8.GetString(Convert.FromBase64String(body)))
            .Select(form => form.Split('&').First(pair => pair.StartsWith("Action=", StringComparison.Ordinal))["Action=".Length..])];
}
