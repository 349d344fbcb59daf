using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Tests.Isolation;

/// <summary>The stop after evidence: the CLI's stop, and the optional last step.</summary>
public sealed partial class IsolationServiceTests
{
    [Fact]
    public async Task StopAsync_SnapshotsCompleted_StopsThroughTheStopProtectionAndPutsItBack()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        Assert.True(_cloud.Instances[InstanceId].Protection.DisableApiStop);

        var result = await CreateSut().StopAsync(new(InstanceId), CancellationToken.None);

        Assert.Equal(StopOutcome.Stopped, result.Outcome);
        Assert.Equal("stopped", _cloud.Instances[InstanceId].State);
        Assert.True(_cloud.Instances[InstanceId].Protection.DisableApiStop);
        Assert.True(_cloud.Instances[InstanceId].Protection.DisableApiTermination);
        Assert.Equal(
            ["ModifyInstanceAttribute:stop-protection", "StopInstances", "ModifyInstanceAttribute:stop-protection"],
            _cloud.Mutations.Where(call => call is not "PutItem").TakeLast(3));
        var stop = _cloud.StoredRecord(InstanceId)!.Stop!;
        Assert.Equal(("arn:aws:sts::123456789012:assumed-role/Responder/alice", "running", false), (stop.RequestedBy, stop.StateBefore, stop.Forced));
        Assert.Contains("memory is lost", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_SnapshotPending_RefusedAndNothingChanged()
    {
        _cloud.NewSnapshotState = "pending";
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        _cloud.Calls.Clear();

        var error = await Assert.ThrowsAsync<SnapshotsPendingException>(() => CreateSut().StopAsync(new(InstanceId), CancellationToken.None));

        Assert.Contains("(pending)", error.Message, StringComparison.Ordinal);
        Assert.Contains("--force", error.Message, StringComparison.Ordinal);
        Assert.Equal("running", _cloud.Instances[InstanceId].State);
        Assert.DoesNotContain(_cloud.Mutations, call => call.StartsWith("ModifyInstanceAttribute", StringComparison.Ordinal) || call == "StopInstances");
        Assert.Null(_cloud.StoredRecord(InstanceId)!.Stop);
        Assert.Null(_cloud.StoredRecord(InstanceId)!.LeaseOwner);
    }

    [Fact]
    public async Task StopAsync_SnapshotPendingForced_StopsAndRecordsWhatWasIncomplete()
    {
        _cloud.NewSnapshotState = "pending";
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        var snapshot = _cloud.StoredRecord(InstanceId)!.Artifacts.SnapshotIds.Single();

        var result = await CreateSut().StopAsync(new(InstanceId, Force: true), CancellationToken.None);

        Assert.Equal("stopped", _cloud.Instances[InstanceId].State);
        Assert.True(result.Stop.Forced);
        Assert.Equal([$"{snapshot} (pending)"], _cloud.StoredRecord(InstanceId)!.Stop!.IncompleteSnapshots);
    }

    [Fact]
    public async Task StopAsync_InstanceStoreRoot_RefusedBeforeAnyCall()
    {
        _cloud.AddInstance(InstanceId, VpcId).InstanceStoreRoot = true;
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        _cloud.Calls.Clear();

        await Assert.ThrowsAsync<StopRefusedException>(() => CreateSut().StopAsync(new(InstanceId), CancellationToken.None));

        Assert.DoesNotContain("StopInstances", _cloud.Calls);
    }

    [Fact]
    public async Task StopAsync_StopInstancesFails_StopProtectionPutBackAndNoStopRecorded()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        FailOn("StopInstances");

        await Assert.ThrowsAsync<InvalidOperationException>(() => CreateSut().StopAsync(new(InstanceId), CancellationToken.None));

        Assert.True(_cloud.Instances[InstanceId].Protection.DisableApiStop);
        Assert.Equal("running", _cloud.Instances[InstanceId].State);
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal((null, null), (record.Stop, record.LeaseOwner));
    }

    [Fact]
    public async Task StopAsync_NotIsolated_RefusedAsBadInput()
    {
        _cloud.AddInstance(InstanceId, VpcId);

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => CreateSut().StopAsync(new(InstanceId), CancellationToken.None));

        Assert.Contains("no isolation record", error.Message, StringComparison.Ordinal);
        Assert.Equal("running", _cloud.Instances[InstanceId].State);
    }

    [Fact]
    public async Task ReleaseAsync_StoppedWhileRunningBefore_StartedAgain()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        await CreateSut().StopAsync(new(InstanceId), CancellationToken.None);

        var result = await CreateSut().ReleaseAsync(new(InstanceId), CancellationToken.None);

        Assert.Equal("running", _cloud.Instances[InstanceId].State);
        Assert.NotNull(result.Record.Stop!.StartedAgainAt);
        Assert.False(_cloud.Instances[InstanceId].Protection.DisableApiStop);
    }

    [Fact]
    public async Task ReleaseAsync_StoppedBeforeTheIsolation_LeftStopped()
    {
        _cloud.AddInstance(InstanceId, VpcId).State = "stopped";
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        var stop = await CreateSut().StopAsync(new(InstanceId), CancellationToken.None);

        await CreateSut().ReleaseAsync(new(InstanceId), CancellationToken.None);

        Assert.Equal((StopOutcome.AlreadyStopped, "stopped"), (stop.Outcome, _cloud.Instances[InstanceId].State));
        Assert.DoesNotContain("StartInstances", _cloud.Calls);
    }

    [Fact]
    public async Task IsolateAsync_StopStepOnWithSnapshotsPending_IncompleteUntilTheyCompleteThenARerunStops()
    {
        _settings = _settings with { StopAfterSnapshots = true };
        _cloud.NewSnapshotState = "pending";
        _cloud.AddInstance(InstanceId, VpcId);

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));
        Assert.Equal(("stop-after-snapshots", "running"), (error.FailedStep, _cloud.Instances[InstanceId].State));
        foreach (var id in _cloud.SnapshotDetails.Keys)
        {
            _cloud.SnapshotDetails[id] = _cloud.SnapshotDetails[id] with { State = SnapshotInfo.Completed };
        }

        var rerun = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal((IsolationOutcome.Isolated, "stopped"), (rerun.Outcome, _cloud.Instances[InstanceId].State));
        Assert.Equal("tester", rerun.Record.Stop!.RequestedBy);
    }
}
