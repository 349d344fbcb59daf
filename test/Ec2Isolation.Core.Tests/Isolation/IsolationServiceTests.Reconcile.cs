using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Tests.Isolation;

/// <summary>Issue 16 item 3: the record of an instance that no longer exists is closed, by the sweep's check or a release.</summary>
public sealed partial class IsolationServiceTests
{
    [Fact]
    public async Task ReleaseAsync_InstanceTerminatedWhileIsolated_DeniesRemovedRecordClosedAndNothingElseTouched()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var (_, natAcl) = _cloud.AddNatVpc(VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        _cloud.Instances[InstanceId].State = "terminated";
        _cloud.Calls.Clear();

        var result = await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "analyst"), CancellationToken.None);

        Assert.Equal(IsolationOutcome.InstanceGone, result.Outcome);
        Assert.Empty(natAcl.Denies);
        Assert.Equal(["PutItem", "DeleteNetworkAclEntry", "DeleteNetworkAclEntry", "PutItem"], _cloud.Mutations);
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal((IsolationStatus.Released, "analyst", 2), (record.Status, record.ReleasedBy, record.InstanceGone!.RemovedNetworkAclDenies.Count));
        Assert.Null(record.LeaseOwner);
    }

    [Fact]
    public async Task ReconcileAsync_RemovalOfTheDeniesFails_FailsLoudlyTheEntriesStillRecordedAndTheNextRunClosesIt()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var (_, natAcl) = _cloud.AddNatVpc(VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        _cloud.Instances[InstanceId].State = "terminated";
        FailOn("DeleteNetworkAclEntry");

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().ReconcileAsync(InstanceId, "sweep e-1", CancellationToken.None));

        Assert.Equal(StepNames.NetworkAclCut, error.FailedStep);
        var failed = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal((IsolationStatus.Isolated, 2, (string?)null), (failed.Status, failed.Artifacts.NetworkAclDenies.Count, failed.LeaseOwner));
        Assert.Null(failed.InstanceGone);

        _cloud.BeforeCall = null;
        var closed = await CreateSut().ReconcileAsync(InstanceId, "sweep e-2", CancellationToken.None);

        Assert.Equal(IsolationOutcome.InstanceGone, closed.Outcome);
        Assert.Empty(natAcl.Denies);
        Assert.Null(_cloud.StoredRecord(InstanceId)!.FailedStep);
    }

    [Fact]
    public async Task ReconcileAsync_IsolationUnfinishedOnALiveInstance_UnfinishedAndNothingChanged()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        _cloud.AddNatVpc(VpcId);
        FailOn("CreateSnapshot");
        await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));
        _cloud.BeforeCall = null;
        _cloud.Calls.Clear();

        var result = await CreateSut().ReconcileAsync(InstanceId, "sweep e-1", CancellationToken.None);

        Assert.Equal(IsolationOutcome.Unfinished, result.Outcome);
        Assert.Empty(_cloud.Mutations);
    }
}
