using Amazon.EC2;
using Ec2Isolation.Aws.Ec2;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Ec2;

[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed partial class AwsEc2ApiTests(MotoServer moto) : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly IAmazonEC2 _ec2 = moto.Clients().CreateEc2();
    private Ec2TestAccount _account = null!;
    private AwsEc2Api _api = null!;
    private AwsEc2Api _dryRun = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        _account = await Ec2TestAccount.CreateAsync(_ec2, dualStack: true);
        _api = new AwsEc2Api(_ec2);
        _dryRun = new AwsEc2Api(_ec2, dryRun: true);
    }

    public Task DisposeAsync()
    {
        _ec2.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("i-0123456789abcdef0")]
    [InlineData("not-an-instance")]
    public async Task DescribeInstanceAsync_UnknownInstance_ReturnsNull(string instanceId) =>
        Assert.Null(await _api.DescribeInstanceAsync(instanceId, None));

    [Fact]
    public async Task DescribeInstanceAsync_ThreeInterfaces_ReadsGroupsPerInterfaceInDeviceOrder()
    {
        var web = await _account.CreateGroupAsync("web");
        var db = await _account.CreateGroupAsync("db");
        var admin = await _account.CreateGroupAsync("admin");
        var instance = await _account.RunInstanceAsync([web], [db, admin], [admin]);
        await _ec2.CreateTagsAsync(new() { Resources = [instance.InstanceId], Tags = [new("Name", "victim")] });

        var described = await _api.DescribeInstanceAsync(instance.InstanceId, None);

        Assert.NotNull(described);
        Assert.Equal(MotoServer.AccountId, described.AccountId);
        Assert.Equal("running", described.State);
        Assert.Equal(_account.VpcId, described.VpcId);
        Assert.False(described.IsSpot);
        Assert.Equal(
            [$"{instance.NetworkInterfaceIds[0]}: {web}", $"{instance.NetworkInterfaceIds[1]}: {db} {admin}", $"{instance.NetworkInterfaceIds[2]}: {admin}"],
            Flatten(described.NetworkInterfaces));
        Assert.Equal(new Dictionary<string, string> { [web] = "web", [db] = "db", [admin] = "admin" }, described.GroupNames);
        Assert.NotEmpty(described.Volumes);
        Assert.All(described.Volumes, volume => Assert.StartsWith("vol-", volume.VolumeId, StringComparison.Ordinal));
        Assert.Equal("victim", described.Tags["Name"]);
    }

    [Fact]
    public async Task FindSecurityGroupsAsync_NameInTwoVpcs_FindsOnlyThisVpcsGroupWithItsRules()
    {
        var other = await Ec2TestAccount.CreateAsync(_ec2);
        var here = await _account.CreateGroupAsync("quarantine");
        var there = await other.CreateGroupAsync("quarantine");
        await _account.CreateGroupAsync("unrelated");
        await _api.AuthorizeAsync(here, RuleDirection.Ingress, [new("tcp", 22, 22, "10.1.0.0/16"), new("tcp", 22, 22, there)], None);

        var found = await _api.FindSecurityGroupsAsync(_account.VpcId, ["quarantine", "missing"], None);

        var group = Assert.Single(found);
        Assert.Equal((here, "quarantine", _account.VpcId), (group.GroupId, group.GroupName, group.VpcId));
        Assert.Equivalent(new SecurityGroupRule[] { new("tcp", 22, 22, "10.1.0.0/16"), new("tcp", 22, 22, there) }, group.Ingress, strict: true);
        Assert.Contains(SecurityGroupRule.AllTraffic("0.0.0.0/0"), group.Egress);
    }

    [Fact]
    public async Task FindExistingSecurityGroupIdsAsync_OneDeleted_ReturnsOnlyTheOthersOfThisVpc()
    {
        var kept = await _account.CreateGroupAsync("kept");
        var deleted = await _account.CreateGroupAsync("deleted");
        await _ec2.DeleteSecurityGroupAsync(new Amazon.EC2.Model.DeleteSecurityGroupRequest { GroupId = deleted });

        var found = await _api.FindExistingSecurityGroupIdsAsync(_account.VpcId, [kept, deleted], None);

        Assert.Equal([kept], found);
    }

    [Fact]
    public async Task CreateSecurityGroupAsync_NameTaken_ThrowsSecurityGroupExists()
    {
        var tags = new Dictionary<string, string> { ["Purpose"] = "isolation" };
        var groupId = await _api.CreateSecurityGroupAsync(_account.VpcId, "quarantine", "isolation", tags, None);

        await Assert.ThrowsAsync<SecurityGroupExistsException>(
            () => _api.CreateSecurityGroupAsync(_account.VpcId, "quarantine", "isolation", tags, None));
        var described = await _ec2.DescribeSecurityGroupsAsync(new Amazon.EC2.Model.DescribeSecurityGroupsRequest { GroupIds = [groupId] });
        Assert.Contains(described.SecurityGroups[0].Tags, tag => tag.Key == "Purpose" && tag.Value == "isolation");
    }

    [Fact]
    public async Task RevokeAsync_DefaultEgressOfDualStackGroup_RemovesBothRules()
    {
        SecurityGroupRule[] defaults = [SecurityGroupRule.AllTraffic("0.0.0.0/0"), SecurityGroupRule.AllTraffic("::/0")];
        var groupId = await _api.CreateSecurityGroupAsync(_account.VpcId, "quarantine", "isolation", new Dictionary<string, string>(), None);
        Assert.Equivalent(defaults, (await FindAsync("quarantine")).Egress, strict: true);

        await _api.RevokeAsync(groupId, RuleDirection.Egress, defaults, None);

        Assert.Empty((await FindAsync("quarantine")).Egress);
    }

    [Fact]
    public async Task RevokeAsync_AllTrafficToBothFamiliesOnAnIpv4OnlyGroup_RemovesTheIpv4Rule()
    {
        var ipv4Only = await Ec2TestAccount.CreateAsync(_ec2);
        var groupId = await _api.CreateSecurityGroupAsync(ipv4Only.VpcId, "quarantine", "isolation", new Dictionary<string, string>(), None);

        await _api.RevokeAsync(groupId, RuleDirection.Egress, [SecurityGroupRule.AllTraffic("0.0.0.0/0"), SecurityGroupRule.AllTraffic("::/0")], None);

        Assert.Empty(Assert.Single(await _api.FindSecurityGroupsAsync(ipv4Only.VpcId, ["quarantine"], None)).Egress);
    }

    [Fact]
    public async Task RevokeAsync_RuleMissing_RemovesTheOthers()
    {
        var groupId = await _account.CreateGroupAsync("quarantine");
        await _api.AuthorizeAsync(groupId, RuleDirection.Ingress, [new("tcp", 443, 443, "10.0.0.0/8")], None);

        await _api.RevokeAsync(groupId, RuleDirection.Ingress, [new("tcp", 22, 22, "10.0.0.0/8"), new("tcp", 443, 443, "10.0.0.0/8")], None);

        Assert.Empty((await FindAsync("quarantine")).Ingress);
    }

    [Fact]
    public async Task AuthorizeAsync_OneRuleExists_AddsTheOthers()
    {
        var groupId = await _account.CreateGroupAsync("quarantine");
        SecurityGroupRule existing = new("tcp", 22, 22, "10.0.0.0/8");
        await _api.AuthorizeAsync(groupId, RuleDirection.Ingress, [existing], None);

        await _api.AuthorizeAsync(groupId, RuleDirection.Ingress, [existing, new("udp", 53, 53, "2001:db8::/32"), SecurityGroupRule.AllTraffic(groupId)], None);

        Assert.Equivalent(
            new[] { existing, new("udp", 53, 53, "2001:db8::/32"), SecurityGroupRule.AllTraffic(groupId) },
            (await FindAsync("quarantine")).Ingress,
            strict: true);
    }

    [Fact]
    public async Task SetNetworkInterfaceGroupsAsync_SecondInterface_SwapsOnlyItsGroups()
    {
        var web = await _account.CreateGroupAsync("web");
        var quarantine = await _account.CreateGroupAsync("quarantine");
        var instance = await _account.RunInstanceAsync([web], [web]);

        await _api.SetNetworkInterfaceGroupsAsync(instance.NetworkInterfaceIds[1], [quarantine], None);

        Assert.Equal(
            [$"{instance.NetworkInterfaceIds[0]}: {web}", $"{instance.NetworkInterfaceIds[1]}: {quarantine}"],
            Flatten(await _api.DescribeNetworkInterfaceGroupsAsync(instance.NetworkInterfaceIds, None)));
        var described = await _api.DescribeInstanceAsync(instance.InstanceId, None);
        Assert.Equal([quarantine], described!.NetworkInterfaces[1].GroupIds);
    }

    [Fact]
    public async Task ReplaceProfileAssociationAsync_AssociatedProfile_SwapsTheProfile()
    {
        var original = await IamTestProfiles.CreateAsync(moto, "app");
        var isolation = await IamTestProfiles.CreateAsync(moto, "isolation");
        var instanceId = await RunInstanceAsync();
        Assert.Null(await _api.DescribeProfileAssociationAsync(instanceId, None));

        var associationId = await _api.AssociateProfileAsync(instanceId, "app", None);
        Assert.Equal(new ProfileAssociation(associationId, original), await _api.DescribeProfileAssociationAsync(instanceId, None));
        var replacedId = await _api.ReplaceProfileAssociationAsync(associationId, isolation, None);

        // Real EC2 issues a new association id on replace, moto keeps the old one: assert only on what was returned.
        Assert.Equal(new ProfileAssociation(replacedId, isolation), await _api.DescribeProfileAssociationAsync(instanceId, None));
        await _api.DisassociateProfileAsync(replacedId, None);
        Assert.Null(await _api.DescribeProfileAssociationAsync(instanceId, None));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SetProtectionAsync_Protect_ReadsBackAndRestores(bool includeTermination)
    {
        var instanceId = await RunInstanceAsync();
        var original = await _api.DescribeProtectionAsync(instanceId, None);

        var attributes = ProtectionAttributes.Stop | ProtectionAttributes.ShutdownBehavior
            | (includeTermination ? ProtectionAttributes.Termination : ProtectionAttributes.None);
        await _api.SetProtectionAsync(instanceId, new(true, true, "stop"), attributes, None);
        Assert.Equal(new InstanceProtection(includeTermination, true, "stop"), await _api.DescribeProtectionAsync(instanceId, None));

        await _api.SetProtectionAsync(instanceId, original, attributes, None);
        Assert.Equal(original, await _api.DescribeProtectionAsync(instanceId, None));
    }

    [Fact]
    public async Task SetDeleteOnTerminationAsync_Volumes_ReadsBackTheGivenValues()
    {
        var instanceId = await RunInstanceAsync();
        var volumes = (await _api.DescribeInstanceAsync(instanceId, None))!.Volumes;
        var flipped = volumes.Select(volume => volume with { DeleteOnTermination = !volume.DeleteOnTermination }).ToList();

        await _api.SetDeleteOnTerminationAsync(instanceId, flipped, None);

        Assert.Equal(flipped, (await _api.DescribeInstanceAsync(instanceId, None))!.Volumes);
    }

    [Fact]
    public async Task CreateSnapshotsAsync_Instance_SnapshotsAreTaggedAndFoundByTag()
    {
        var instanceId = await RunInstanceAsync();
        var tags = new Dictionary<string, string> { ["IsolationIncident"] = "INC-1", ["Purpose"] = "forensics" };

        var created = await _api.CreateSnapshotsAsync(instanceId, tags, None);

        Assert.NotEmpty(created);
        Assert.Equal(created.Order(), (await _api.FindSnapshotsAsync("IsolationIncident", "INC-1", None)).Order());
        Assert.Empty(await _api.FindSnapshotsAsync("IsolationIncident", "INC-2", None));
    }

    [Fact]
    public async Task DeleteTagsAsync_Keys_RemovesOnlyThoseKeys()
    {
        var instanceId = await RunInstanceAsync();
        await _api.CreateTagsAsync(instanceId, new Dictionary<string, string> { ["Isolation"] = "isolated", ["Owner"] = "team" }, None);

        await _api.DeleteTagsAsync(instanceId, ["Isolation"], None);
        await _api.DeleteTagsAsync(instanceId, [], None);

        var tags = (await _api.DescribeInstanceAsync(instanceId, None))!.Tags;
        Assert.Equal(new Dictionary<string, string> { ["Owner"] = "team" }, tags);
    }

    [Fact]
    public async Task SetNetworkInterfaceGroupsAsync_DryRun_SendsOnceAndLeavesGroupsUnchanged()
    {
        var web = await _account.CreateGroupAsync("web");
        var instance = await _account.RunInstanceAsync([web], [web]);
        var quarantine = await _account.CreateGroupAsync("quarantine");
        await moto.StartRecordingAsync();

        await _dryRun.SetNetworkInterfaceGroupsAsync(instance.NetworkInterfaceIds[0], [quarantine], None);

        Assert.Equal(["ModifyNetworkInterfaceAttribute"], Actions(await moto.StopRecordingAsync()));
        var groups = await _dryRun.DescribeNetworkInterfaceGroupsAsync(instance.NetworkInterfaceIds, None);
        Assert.All(groups, eni => Assert.Equal([web], eni.GroupIds));
    }

    [Fact]
    public async Task MutatingCalls_DryRun_ChangeNothingAndAnswerAllowed()
    {
        var instanceId = await RunInstanceAsync();
        var groupId = Assert.Single(await _api.FindSecurityGroupsAsync(_account.VpcId, ["web"], None)).GroupId;
        await _api.CreateTagsAsync(instanceId, new Dictionary<string, string> { ["Name"] = "victim" }, None);
        var before = await DescribeStateAsync(instanceId);
        var tags = new Dictionary<string, string> { ["Isolation"] = "isolated" };
        var rules = new[] { SecurityGroupRule.AllTraffic("10.0.0.0/8") };
        var volumes = before.Instance.Volumes.Select(volume => volume with { DeleteOnTermination = !volume.DeleteOnTermination }).ToList();

        Assert.Equal(AwsEc2Api.DryRunGroupId, await _dryRun.CreateSecurityGroupAsync(_account.VpcId, "quarantine", "isolation", tags, None));
        await _dryRun.AuthorizeAsync(groupId, RuleDirection.Ingress, rules, None);
        await _dryRun.RevokeAsync(groupId, RuleDirection.Egress, [SecurityGroupRule.AllTraffic("0.0.0.0/0")], None);
        await _dryRun.SetProtectionAsync(
            instanceId, new(true, true, "stop"), ProtectionAttributes.Termination | ProtectionAttributes.Stop | ProtectionAttributes.ShutdownBehavior, None);
        await _dryRun.SetDeleteOnTerminationAsync(instanceId, volumes, None);
        Assert.Empty(await _dryRun.CreateSnapshotsAsync(instanceId, tags, None));
        await _dryRun.CreateTagsAsync(instanceId, tags, None);
        await _dryRun.DeleteTagsAsync(instanceId, ["Name"], None);

        Assert.Equivalent(before, await DescribeStateAsync(instanceId), strict: true);
        Assert.Empty(await _dryRun.FindSnapshotsAsync("Isolation", "isolated", None));
    }

    [Fact]
    public async Task ProfileCalls_DryRun_ThrowDryRunNotSupportedAndSendNothing()
    {
        await moto.StartRecordingAsync();

        await Assert.ThrowsAsync<DryRunNotSupportedException>(() => _dryRun.AssociateProfileAsync("i-0123456789abcdef0", "isolation", None));
        await Assert.ThrowsAsync<DryRunNotSupportedException>(() => _dryRun.ReplaceProfileAssociationAsync("iip-assoc-1", "isolation", None));
        await Assert.ThrowsAsync<DryRunNotSupportedException>(() => _dryRun.DisassociateProfileAsync("iip-assoc-1", None));

        Assert.Empty(Actions(await moto.StopRecordingAsync()));
    }

    private async Task<(InstanceDescription Instance, InstanceProtection Protection, IReadOnlyList<SecurityGroupInfo> Groups)> DescribeStateAsync(string instanceId) =>
        ((await _dryRun.DescribeInstanceAsync(instanceId, None))!,
         await _dryRun.DescribeProtectionAsync(instanceId, None),
         await _dryRun.FindSecurityGroupsAsync(_account.VpcId, ["web", "quarantine"], None));

    /// <summary>The actions in a moto request recording, in arrival order (an SDK retry shows as a second entry).</summary>
    private static List<string> Actions(string recording) => [.. RequestLog.Parse(recording).Select(request => request.Action)];

    private static string[] Flatten(IEnumerable<NetworkInterfaceGroups> interfaces) =>
        [.. interfaces.Select(eni => $"{eni.NetworkInterfaceId}: {string.Join(' ', eni.GroupIds)}")];

    /// <summary>An instance with one ENI in a new group named "web".</summary>
    private async Task<string> RunInstanceAsync() =>
        (await _account.RunInstanceAsync([await _account.CreateGroupAsync("web")])).InstanceId;

    private async Task<SecurityGroupInfo> FindAsync(string groupName) =>
        Assert.Single(await _api.FindSecurityGroupsAsync(_account.VpcId, [groupName], None));
}
