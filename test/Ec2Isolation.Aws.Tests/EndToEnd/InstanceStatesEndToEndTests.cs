using Amazon.EC2;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.EndToEnd;

/// <summary>
/// Spot and stopped instances over the real adapters against moto. moto accepts what EC2 refuses here (stop protection
/// on Spot, a profile replaced on a stopped instance: moto.md), so these assert from moto's request log that the
/// engine never asks for it, and that the run still ends isolated and released.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class InstanceStatesEndToEndTests(MotoServer moto) : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private MotoAccount _account = null!;

    public async Task InitializeAsync() => _account = await MotoAccount.CreateAsync(moto);

    public Task DisposeAsync()
    {
        _account.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task IsolateAsync_SpotInstance_NoProtectionAskedForAndEveryOtherStepDone()
    {
        var app = await _account.Network.CreateGroupAsync("app");
        var run = await _account.Ec2.RunInstancesAsync(new()
        {
            ImageId = Ec2TestAccount.ImageId,
            InstanceType = InstanceType.T3Micro,
            MinCount = 1,
            MaxCount = 1,
            InstanceMarketOptions = new() { MarketType = MarketType.Spot },
            NetworkInterfaces = [new() { DeviceIndex = 0, SubnetId = _account.Network.SubnetId, Groups = [app] }],
        });
        var instanceId = run.Reservation.Instances[0].InstanceId;
        Assert.Equal(InstanceLifecycleType.Spot, run.Reservation.Instances[0].InstanceLifecycle);
        await _account.AssociateAppProfileAsync(instanceId);
        await moto.StartRecordingAsync();

        var result = await _account.CreateService().IsolateAsync(new(instanceId, "spot", "INC-9", "tester"), None);

        var requests = RequestLog.Parse(await moto.StopRecordingAsync());
        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.DoesNotContain(requests, request => request.Action == "ModifyInstanceAttribute"
            && request.Parameters.Keys.Any(key => key.StartsWith("DisableApi", StringComparison.Ordinal)));
        Assert.Equal((false, false, "stop"), await _account.ProtectionAsync(instanceId));
        Assert.EndsWith("/" + MotoAccount.IsolationProfile, await _account.ProfileArnAsync(instanceId), StringComparison.Ordinal);
        Assert.All(await _account.VolumesAsync(instanceId), volume => Assert.False(volume.DeleteOnTermination));
        Assert.NotEmpty(result.Record.Artifacts.SnapshotIds);
    }

    [Fact]
    public async Task IsolateThenRelease_StoppedInstance_ProfileDisassociatedThenAssociatedNeverReplaced()
    {
        var app = await _account.Network.CreateGroupAsync("app");
        var instance = await _account.Network.RunInstanceAsync([app]);
        await _account.AssociateAppProfileAsync(instance.InstanceId);
        await _account.Ec2.StopInstancesAsync(new() { InstanceIds = [instance.InstanceId] });
        var service = _account.CreateService();
        await moto.StartRecordingAsync();

        var isolated = await service.IsolateAsync(new(instance.InstanceId, "stopped", "INC-10", "tester"), None);
        var isolatedProfile = await _account.ProfileArnAsync(instance.InstanceId);
        var isolating = RequestLog.Parse(await moto.StopRecordingAsync());
        await moto.StartRecordingAsync();
        var released = await service.ReleaseAsync(new(instance.InstanceId, "releaser"), None);

        // The function may isolate a stopped instance: what it calls for one is in its policy (RequiredActions.Isolate).
        Assert.Subset(RequiredActions.Isolate.ToHashSet(), isolating.Select(request => request.IamAction).Where(action => action != "sts:GetCallerIdentity").ToHashSet());
        var profileCalls = isolating.Concat(RequestLog.Parse(await moto.StopRecordingAsync()))
            .Select(request => request.Action).Where(action => action.EndsWith("IamInstanceProfile", StringComparison.Ordinal)
                || action == "ReplaceIamInstanceProfileAssociation").ToList();
        Assert.Equal((IsolationOutcome.Isolated, IsolationOutcome.Released), (isolated.Outcome, released.Outcome));
        Assert.EndsWith("/" + MotoAccount.IsolationProfile, isolatedProfile, StringComparison.Ordinal);
        Assert.EndsWith("/" + MotoAccount.AppProfile, await _account.ProfileArnAsync(instance.InstanceId), StringComparison.Ordinal);
        Assert.Equal(
            ["DisassociateIamInstanceProfile", "AssociateIamInstanceProfile", "DisassociateIamInstanceProfile", "AssociateIamInstanceProfile"],
            profileCalls);
    }
}
