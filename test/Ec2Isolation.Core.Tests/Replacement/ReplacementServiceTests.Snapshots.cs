using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Replacement;

namespace Ec2Isolation.Core.Tests.Replacement;

/// <summary>The re-image from known-good snapshots (replace --from-snapshot / --before).</summary>
public sealed partial class ReplacementServiceTests
{
    private const string RootVolume = "vol-0123456789abcdef0";
    private const string DataVolume = "vol-data";
    private static readonly DateTimeOffset Incident = new(2026, 11, 20, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ReplaceAsync_Before_RegistersAnImageFromEachVolumesLatestCompletedSnapshotBeforeTheTime()
    {
        await IsolateWithDataVolumeAsync();
        _cloud.AddSnapshot(RootVolume, Incident.AddDays(-3));
        var root = _cloud.AddSnapshot(RootVolume, Incident.AddDays(-1));
        _cloud.AddSnapshot(RootVolume, Incident.AddHours(-1), state: "pending");
        _cloud.AddSnapshot(RootVolume, Incident.AddDays(1));
        var data = _cloud.AddSnapshot(DataVolume, Incident.AddDays(-2));

        var result = await CreateSut().ReplaceAsync(new(InstanceId, Before: Incident), CancellationToken.None);

        Assert.Equal(ReplacementOutcome.Launched, result.Outcome);
        var (imageId, image) = Assert.Single(_cloud.Images);
        Assert.Equal([new SnapshotVolume("/dev/xvda", root, RootVolume), new SnapshotVolume("/dev/sdf", data, DataVolume)], image.Volumes);
        Assert.Equal(("x86_64", "uefi-preferred"), (image.Boot.Architecture, image.Boot.BootMode));
        var launch = Assert.Single(_cloud.Launches);
        Assert.Equal(("subnet-1", "t3.micro", imageId), (launch.SubnetId, launch.InstanceType, launch.ImageId));
        Assert.Equal(["sg-app0", "sg-shared"], launch.SecurityGroupIds);
        Assert.Equal(ProfileArn, launch.InstanceProfileArn);
        Assert.Equal([imageId], _cloud.StoredRecord(InstanceId)!.Artifacts.ReplacementImageIds);
        Assert.Contains($"registered from {root} (/dev/xvda), {data} (/dev/sdf)", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplaceAsync_BeforeWithOnlyIsolationSnapshots_RefusedUnlessIncluded()
    {
        await IsolateWithDataVolumeAsync();
        var later = _cloud.SnapshotTime.AddDays(1);

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => CreateSut().ReplaceAsync(new(InstanceId, Before: later), CancellationToken.None));
        Assert.Contains("--include-isolation-snapshots", error.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Images);

        var included = await CreateSut().ReplaceAsync(new(InstanceId, Before: later, IncludeIsolationSnapshots: true), CancellationToken.None);

        Assert.Equal(_cloud.StoredRecord(InstanceId)!.Artifacts.SnapshotIds.Order(), included.Launch!.Volumes.Select(volume => volume.SnapshotId).Order());
    }

    [Fact]
    public async Task ReplaceAsync_FromSnapshotOfRootOnly_DataVolumeLeftOutAndSaid()
    {
        await IsolateWithDataVolumeAsync();
        var root = _cloud.AddSnapshot(RootVolume, Incident.AddDays(-1));

        var result = await CreateSut().ReplaceAsync(new(InstanceId, FromSnapshots: [root]), CancellationToken.None);

        Assert.Equal([root], Assert.Single(_cloud.Images).Value.Volumes.Select(volume => volume.SnapshotId));
        Assert.Contains($"not in the replacement: {DataVolume} (/dev/sdf)", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pending", "pending, not completed")]
    [InlineData("completed-other-volume", "not of a volume of")]
    [InlineData("isolation", "the isolation took it")]
    [InlineData("unknown", "EC2 does not know it")]
    public async Task ReplaceAsync_FromUnusableSnapshot_RefusedNamingWhyAndNothingLaunched(string kind, string expected)
    {
        await IsolateWithDataVolumeAsync();
        var snapshot = kind switch
        {
            "pending" => _cloud.AddSnapshot(RootVolume, Incident, state: "pending"),
            "completed-other-volume" => _cloud.AddSnapshot("vol-elsewhere", Incident),
            "isolation" => _cloud.StoredRecord(InstanceId)!.Artifacts.SnapshotIds[0],
            _ => "snap-0badbad0",
        };

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => CreateSut().ReplaceAsync(new(InstanceId, FromSnapshots: [snapshot]), CancellationToken.None));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was launched", error.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Images);
        Assert.Empty(_cloud.Launches);
    }

    [Fact]
    public async Task ReplaceAsync_FromSnapshotOfDataVolumeOnly_RefusedForWantOfARoot()
    {
        await IsolateWithDataVolumeAsync();
        var data = _cloud.AddSnapshot(DataVolume, Incident);

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => CreateSut().ReplaceAsync(new(InstanceId, FromSnapshots: [data]), CancellationToken.None));

        Assert.Contains($"root volume {RootVolume}", error.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Launches);
    }

    [Fact]
    public async Task ReplaceAsync_WindowsInstance_RefusedBecauseAnImageFromASnapshotDoesNotBoot()
    {
        await IsolateWithDataVolumeAsync(platform: "Windows");
        var root = _cloud.AddSnapshot(RootVolume, Incident);

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => CreateSut().ReplaceAsync(new(InstanceId, FromSnapshots: [root]), CancellationToken.None));

        Assert.Contains("--ami", error.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Images);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task ReplaceAsync_TwoSources_RefusedAsBadInput(bool ami, bool snapshots)
    {
        await IsolateWithDataVolumeAsync();

        var request = new ReplacementRequest(InstanceId, ami ? ImageId : null, FromSnapshots: snapshots ? ["snap-0123456789abcdef0"] : null, Before: Incident);
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => CreateSut().ReplaceAsync(request, CancellationToken.None));

        Assert.Contains("Choose one source", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplaceAsync_RerunAfterTheImageWasRegistered_ReusesTheImageAndTheLaunchToken()
    {
        await IsolateWithDataVolumeAsync();
        var root = _cloud.AddSnapshot(RootVolume, Incident.AddDays(-1));
        _cloud.BeforeCall = call =>
        {
            if (call == "RunInstances")
            {
                throw new InvalidOperationException("injected failure");
            }
        };
        await Assert.ThrowsAsync<InvalidOperationException>(() => CreateSut().ReplaceAsync(new(InstanceId, FromSnapshots: [root]), CancellationToken.None));
        _cloud.BeforeCall = null;

        var result = await CreateSut().ReplaceAsync(new(InstanceId, FromSnapshots: [root]), CancellationToken.None);

        Assert.Equal(ReplacementOutcome.Launched, result.Outcome);
        Assert.Single(_cloud.Images);
        Assert.Single(_cloud.Calls, call => call == "RegisterImage");
        Assert.Equal(_cloud.StoredRecord(InstanceId)!.Artifacts.ReplacementImageIds, [result.Launch!.ImageId!]);
    }

    private async Task IsolateWithDataVolumeAsync(string platform = "Linux/UNIX")
    {
        var instance = _cloud.AddInstance(InstanceId, "vpc-1", 1, ProfileArn);
        instance.Volumes = [new VolumeAttachment(RootVolume, "/dev/xvda", true), new VolumeAttachment(DataVolume, "/dev/sdf", false)];
        instance.Boot = instance.Boot! with { PlatformDetails = platform };
        await CreateIsolation().IsolateAsync(new(InstanceId, RequestedBy: "tester"), CancellationToken.None);
    }
}
