using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Tests.Fakes;

namespace Ec2Isolation.Core.Tests.Isolation;

/// <summary>
/// Issue 14 items 6 and 9: no instance is immune (tags prove nothing; isolation groups without a record are contained,
/// their original network unknown), and a release never gets stuck on a resource deleted meanwhile. Issue 15 item 3:
/// a stale tag event changes nothing.
/// </summary>
public sealed partial class IsolationServiceTests
{
    [Fact]
    public async Task IsolateAsync_TaggedAsIsolatedWithoutRecord_IsolatedNormally()
    {
        // Whoever may tag the instance (its own role, say) writes the status tag to make it immune.
        _cloud.AddInstance(InstanceId, VpcId).Tags[_settings.StatusTagPrefix + "status"] = "isolated";

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        AssertQuarantined();
        Assert.False(_cloud.StoredRecord(InstanceId)!.Original.NetworkUnknown);
        Assert.Equal(["sg-app0", "sg-shared"], _cloud.StoredRecord(InstanceId)!.Original.NetworkInterfaces.Single().GroupIds);
    }

    [Fact]
    public async Task IsolateAsync_InIsolationGroupsWithoutRecord_ContainedAndTheRecordSaysTheNetworkIsUnknown()
    {
        _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        _cloud.ForgetRecord(InstanceId);
        var allTraffic = _cloud.Groups.Single(g => g.Name == _settings.AllTrafficGroupName).GroupId;
        _cloud.EniGroups[_cloud.Instances[InstanceId].Enis[0]] = [allTraffic];

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        AssertQuarantined();
        Assert.True(_cloud.StoredRecord(InstanceId)!.Original.NetworkUnknown);
    }

    [Fact]
    public async Task ReleaseAsync_NetworkUnknownAndNoGroupsNamed_RestoreGroupsRequiredAndNothingChanged()
    {
        await IsolateFoundInQuarantineWithoutRecordAsync();
        var record = _cloud.StoredRecord(InstanceId)!;
        _cloud.Calls.Clear();

        var error = await Assert.ThrowsAsync<RestoreGroupsRequiredException>(
            () => CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None));

        Assert.Contains("--restore-groups", error.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Mutations);
        Assert.Equal(record.Version, _cloud.StoredRecord(InstanceId)!.Version);
    }

    [Fact]
    public async Task ReleaseAsync_NetworkUnknownAndGroupsNamed_TheEniGetsTheNamedGroups()
    {
        await IsolateFoundInQuarantineWithoutRecordAsync();

        var result = await CreateSut().ReleaseAsync(
            new ReleaseRequest(InstanceId, "releaser", ["sg-0123456789abcdef0", "sg-11111111"]), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Released, result.Outcome);
        Assert.Equal(["sg-0123456789abcdef0", "sg-11111111"], _cloud.EniGroups[_cloud.Instances[InstanceId].Enis[0]]);
    }

    [Theory]
    [InlineData("sg-app0")]
    [InlineData("sg-0123456789ABCDEF0")]
    [InlineData("")]
    public async Task ReleaseAsync_RestoreGroupsMalformed_InvalidRequestWithNoCall(string group)
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(
            () => CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser", group.Length == 0 ? [] : [group]), CancellationToken.None));

        Assert.Contains("security group ids", error.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Calls);
    }

    [Fact]
    public async Task ReleaseAsync_OneOriginalGroupDeleted_TheOthersRestoredAndTheRecordSaysWhich()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        _cloud.DeletedGroupIds.Add("sg-app0");

        var result = await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Released, result.Outcome);
        Assert.Equal(["sg-shared"], _cloud.EniGroups[_cloud.Instances[InstanceId].Enis[0]]);
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal(IsolationStatus.Released, record.Status);
        Assert.Contains("sg-app0 no longer exist", Assert.Single(record.NotRestored), StringComparison.Ordinal);
        Assert.Contains("sg-app0 no longer exist", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReleaseAsync_SecondaryInterfaceDeleted_TheOtherRestoredReleasedAndTheRecordSaysWhich()
    {
        _cloud.AddInstance(InstanceId, VpcId, enis: 2);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        var (kept, deleted) = (_cloud.Instances[InstanceId].Enis[0], _cloud.Instances[InstanceId].Enis[1]);
        _cloud.DeletedInterfaces.Add(deleted);

        var result = await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Released, result.Outcome);
        Assert.Equal(["sg-app0", "sg-shared"], _cloud.EniGroups[kept]);
        Assert.Contains($"{deleted}: the network interface no longer exists", Assert.Single(_cloud.StoredRecord(InstanceId)!.NotRestored), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReleaseAsync_EveryOriginalGroupDeleted_TheVpcsDefaultGroupAndSaysSo()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        _cloud.Groups.Add(new FakeGroup { GroupId = "sg-default", Name = "default", VpcId = VpcId });
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        _cloud.DeletedGroupIds.UnionWith(["sg-app0", "sg-shared"]);

        var result = await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Released, result.Outcome);
        Assert.Equal(["sg-default"], _cloud.EniGroups[_cloud.Instances[InstanceId].Enis[0]]);
        Assert.Contains("default group of vpc-1, sg-default", Assert.Single(_cloud.StoredRecord(InstanceId)!.NotRestored), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReleaseAsync_TargetGroupAutoScalingGroupAndProfileDeleted_TheRestRestoredReleasedAndEachListed()
    {
        _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);
        _cloud.AutoScaling[InstanceId] = new AutoScalingMembership("web", "InService");
        _cloud.Targets.Add((InstanceId, new TargetRegistration("arn:tg/web", 80, null)));
        _cloud.Targets.Add((InstanceId, new TargetRegistration("arn:tg/api", 8080, null)));
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        _cloud.DeletedTargetGroups.Add("arn:tg/web");
        _cloud.DeletedAutoScalingGroups.Add("web");
        _cloud.DeletedProfiles.Add(ProfileArn);

        var result = await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Released, result.Outcome);
        Assert.Equal(["sg-app0", "sg-shared"], _cloud.EniGroups[_cloud.Instances[InstanceId].Enis[0]]);
        Assert.Equal([new TargetRegistration("arn:tg/api", 8080, null)], _cloud.Targets.Where(t => t.InstanceId == InstanceId).Select(t => t.Registration));
        Assert.Null(_cloud.Instances[InstanceId].Association);
        Assert.Equal(new InstanceProtection(false, false, "terminate"), _cloud.Instances[InstanceId].Protection);
        var notRestored = _cloud.StoredRecord(InstanceId)!.NotRestored;
        Assert.Equal(3, notRestored.Count);
        Assert.Contains(notRestored, what => what.Contains("arn:tg/web", StringComparison.Ordinal));
        Assert.Contains(notRestored, what => what.Contains("Auto Scaling group web", StringComparison.Ordinal));
        Assert.Contains(notRestored, what => what.Contains(ProfileArn, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReleaseAsync_RegisterThrottled_FailsLoudlyTheNetworkStaysContainedAndTheRerunFinishes()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        _cloud.Targets.Add((InstanceId, new TargetRegistration("arn:tg/web", 80, null)));
        var before = Snapshot();
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        FailOn("RegisterTargets");

        await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None));

        AssertQuarantined();
        _cloud.BeforeCall = null;
        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);
        Assert.Equal(before, Snapshot());
        Assert.Empty(_cloud.StoredRecord(InstanceId)!.NotRestored);
    }

    [Fact]
    public async Task IsolateAsync_TagEventAfterTheRelease_TriggerTagAbsentWithOneDescribeAndNothingChanged()
    {
        _cloud.AddInstance(InstanceId, VpcId).Tags[_settings.TriggerTagKey] = _settings.TriggerTagValue;
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);
        _cloud.Calls.Clear();

        var result = await CreateSut().IsolateAsync(Request() with { OnlyIfTagged = new(_settings.TriggerTagKey, _settings.TriggerTagValue) }, CancellationToken.None);

        Assert.Equal(IsolationOutcome.TriggerTagAbsent, result.Outcome);
        Assert.Contains("no longer carries the tag ec2-isolation=isolate", result.Message, StringComparison.Ordinal);
        Assert.Equal(1, _cloud.Calls.Count(call => call == "DescribeInstances"));
        Assert.Empty(_cloud.Mutations);
        Assert.Equal(IsolationStatus.Released, _cloud.StoredRecord(InstanceId)!.Status);
    }

    [Fact]
    public async Task IsolateAsync_TagEventWhileTheTagIsOn_IsolatesWithoutAnExtraCall()
    {
        _cloud.AddInstance(InstanceId, VpcId).Tags[_settings.TriggerTagKey] = _settings.TriggerTagValue;

        var result = await CreateSut().IsolateAsync(Request() with { OnlyIfTagged = new(_settings.TriggerTagKey, _settings.TriggerTagValue) }, CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Equal(1, _cloud.Calls.Count(call => call == "DescribeInstances"));
    }

    [Fact]
    public async Task IsolateAsync_TagEventForAnUntaggedInstanceNeverIsolated_InvalidRequestAndNothingChanged()
    {
        _cloud.AddInstance(InstanceId, VpcId);

        await Assert.ThrowsAsync<InvalidRequestException>(
            () => CreateSut().IsolateAsync(Request() with { OnlyIfTagged = new(_settings.TriggerTagKey, _settings.TriggerTagValue) }, CancellationToken.None));

        Assert.Empty(_cloud.Mutations);
    }

    /// <summary>An isolated instance whose record was lost, moved into quarantine, isolated again: its original network is unknown.</summary>
    private async Task IsolateFoundInQuarantineWithoutRecordAsync()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        _cloud.ForgetRecord(InstanceId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        Assert.True(_cloud.StoredRecord(InstanceId)!.Original.NetworkUnknown);
    }
}
