using Amazon.EC2;
using Ec2Isolation.Aws.Ec2;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.TestSupport;
using InstanceType = Amazon.EC2.InstanceType;

namespace Ec2Isolation.Aws.Tests.Ec2;

/// <summary>The key pair, stop and re-image calls against moto (which models key pairs, stop protection, snapshots and RegisterImage by name).</summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class AwsEc2ApiAfterContainmentTests(MotoServer moto) : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly IAmazonEC2 _ec2 = moto.Clients().CreateEc2();
    private Ec2TestAccount _account = null!;
    private AwsEc2Api _api = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        _account = await Ec2TestAccount.CreateAsync(_ec2);
        _api = new AwsEc2Api(_ec2);
    }

    public Task DisposeAsync()
    {
        _ec2.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task DescribeKeyPairAsync_KeyPairEc2Created_ReturnsItsPublicKeyWhichImportsBackUnderAnotherName()
    {
        await _ec2.CreateKeyPairAsync(new() { KeyName = "ops", KeyType = KeyType.Ed25519 });

        var key = await _api.DescribeKeyPairAsync("ops", None);
        var id = await _api.ImportKeyPairAsync("ops-restored", key!.PublicKey!, new Dictionary<string, string> { ["ec2-isolation:restored-for"] = "i-1" }, None);
        var restored = await _api.DescribeKeyPairAsync("ops-restored", None);

        Assert.StartsWith("ssh-ed25519 ", key.PublicKey, StringComparison.Ordinal);
        Assert.Equal(("ed25519", id), (key.KeyType, restored!.KeyPairId));
        Assert.True(restored.HoldsSameKeyAs(key));
    }

    [Fact]
    public async Task ImportKeyPairAsync_NameTaken_KeyPairExistsException()
    {
        await _ec2.CreateKeyPairAsync(new() { KeyName = "ops" });
        var key = await _api.DescribeKeyPairAsync("ops", None);

        await Assert.ThrowsAsync<KeyPairExistsException>(() => _api.ImportKeyPairAsync("ops", key!.PublicKey!, new Dictionary<string, string>(), None));
    }

    [Fact]
    public async Task DescribeKeyPairAsync_UnknownName_Null() =>
        Assert.Null(await _api.DescribeKeyPairAsync("nobody", None));

    [Fact]
    public async Task DescribeInstanceAsync_LaunchedWithAKeyPair_GivesItsNameAndBootTraits()
    {
        await _ec2.CreateKeyPairAsync(new() { KeyName = "ops" });
        var run = await _ec2.RunInstancesAsync(new()
        {
            ImageId = Ec2TestAccount.ImageId, InstanceType = InstanceType.T3Micro, MinCount = 1, MaxCount = 1, SubnetId = _account.SubnetId, KeyName = "ops",
        });

        var described = await _api.DescribeInstanceAsync(run.Reservation.Instances[0].InstanceId, None);

        Assert.Equal("ops", described!.KeyName);
        Assert.Equal(("x86_64", "/dev/sda1"), (described.Boot?.Architecture, described.Boot?.RootDeviceName));
    }

    [Fact]
    public async Task StopInstanceAsync_StopProtection_StopRefusedThenStopsOnceLifted()
    {
        var instance = await _account.RunInstanceAsync([await _account.CreateGroupAsync("app")]);
        await _api.SetProtectionAsync(instance.InstanceId, new(false, DisableApiStop: true, "stop"), ProtectionAttributes.Stop, None);

        await Assert.ThrowsAsync<StopRefusedException>(() => _api.StopInstanceAsync(instance.InstanceId, None));
        await _api.SetProtectionAsync(instance.InstanceId, new(false, DisableApiStop: false, "stop"), ProtectionAttributes.Stop, None);
        await _api.StopInstanceAsync(instance.InstanceId, None);
        var stopped = (await _api.DescribeInstanceAsync(instance.InstanceId, None))!.State;
        await _api.StartInstanceAsync(instance.InstanceId, None);

        Assert.Equal(("stopped", "running"), (stopped, (await _api.DescribeInstanceAsync(instance.InstanceId, None))!.State));
    }

    [Fact]
    public async Task FindVolumeSnapshotsAsync_SnapshotOfTheVolume_FoundCompletedWithItsTags_UnknownIdsLeftOut()
    {
        var instance = await _account.RunInstanceAsync([await _account.CreateGroupAsync("app")]);
        var volume = (await _api.DescribeInstanceAsync(instance.InstanceId, None))!.Volumes[0].VolumeId;
        var created = await _ec2.CreateSnapshotAsync(new()
        {
            VolumeId = volume,
            TagSpecifications = [new() { ResourceType = ResourceType.Snapshot, Tags = [new("ec2-isolation:isolation", "x")] }],
        });

        var found = Assert.Single(await _api.FindVolumeSnapshotsAsync([volume], None));
        var described = await _api.DescribeSnapshotsAsync([created.Snapshot.SnapshotId, "snap-0123456789abcdef0"], None);

        Assert.Equal((created.Snapshot.SnapshotId, volume, true, "x"), (found.SnapshotId, found.VolumeId, found.IsCompleted, found.Tags["ec2-isolation:isolation"]));
        Assert.Equal([created.Snapshot.SnapshotId], described.Select(snapshot => snapshot.SnapshotId));
    }

    [Fact]
    public async Task RegisterImageAsync_FromARootSnapshot_FoundByNameAndLaunchable()
    {
        var instance = await _account.RunInstanceAsync([await _account.CreateGroupAsync("app")]);
        var described = await _api.DescribeInstanceAsync(instance.InstanceId, None);
        var snapshot = await _ec2.CreateSnapshotAsync(new() { VolumeId = described!.Volumes[0].VolumeId });
        var registration = new ImageRegistration
        {
            Name = "ec2-isolation-reimage-test",
            Boot = described.Boot!,
            Volumes = [new SnapshotVolume(described.Boot!.RootDeviceName, snapshot.Snapshot.SnapshotId, described.Volumes[0].VolumeId)],
            Tags = new Dictionary<string, string> { ["ec2-isolation:replaces"] = instance.InstanceId },
        };

        var imageId = await _api.RegisterImageAsync(registration, None);
        var launched = await _api.RunReplacementAsync(new ReplacementSpec
        {
            ImageId = imageId, InstanceType = "t3.micro", SubnetId = _account.SubnetId, SecurityGroupIds = [], Tags = new Dictionary<string, string>(), ClientToken = "reimage-1",
        }, None);

        Assert.Equal(imageId, await _api.FindImageAsync("ec2-isolation-reimage-test", None));
        Assert.Null(await _api.FindImageAsync("another", None));
        Assert.Equal("running", (await _api.DescribeInstanceAsync(launched, None))!.State);
    }
}
