using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ec2Isolation.Core.Tests.Isolation;

/// <summary>Issue 17 item 1: under EC2 throttling the evidence steps give way, and their continuation finishes them.</summary>
public sealed partial class IsolationServiceTests
{
    private static readonly string[] EvidenceSteps = [StepNames.Protection, StepNames.Volumes, StepNames.Snapshots, StepNames.StatusTags];

    /// <summary>The function's service: throttled EC2 evidence steps go to the continuation queue (the fake's).</summary>
    private IsolationService CreateDeferringSut() => new(
        new AwsApis(_cloud, _cloud, _cloud, _cloud, _cloud, _cloud, _cloud), _dryRunEc2.Object, _cloud, _settings, "us-east-1", _time, NullLogger<IsolationService>.Instance,
        deadline: _deadline, continuations: _cloud);

    private static IsolationRequest Continuation(string incidentId = "INC-42", int generation = 0) =>
        new(InstanceId, RequestedBy: "continuation m-1") { ContinuationOf = new Continuation(InstanceId, FakeCloud.AccountId, "us-east-1", incidentId, generation) };

    private void AddAutoScaledInstance()
    {
        _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);
        _cloud.AutoScaling[InstanceId] = new AutoScalingMembership("web", "InService");
        _cloud.Targets.Add((InstanceId, new TargetRegistration("arn:tg/web", 80, null)));
    }

    [Fact]
    public async Task IsolateAsync_EvidenceThrottled_NetworkAndOtherServicesDoneEvidenceDeferredToOneContinuation()
    {
        AddAutoScaledInstance();
        _cloud.ThrottledActions.Add("ModifyInstanceAttribute");

        var result = await CreateDeferringSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Contained, result.Outcome);
        AssertQuarantined();
        Assert.Equal("Standby", _cloud.AutoScaling[InstanceId].LifecycleState);
        Assert.Empty(_cloud.Targets);
        Assert.Equal(FakeCloud.IsolationProfileArn, _cloud.Instances[InstanceId].Association!.InstanceProfileArn);
        // The first throttled call gave way; the EC2 evidence steps after it did not wait for tokens either.
        Assert.Equal(1, _cloud.ThrottledAnswers);
        Assert.DoesNotContain("CreateSnapshots", _cloud.Calls);
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal(IsolationStatus.Isolating, record.Status);
        Assert.Equal(EvidenceSteps, record.DeferredSteps);
        Assert.Empty(record.FailedSteps);
        Assert.Null(record.LeaseOwner);
        Assert.Equal([new Continuation(InstanceId, FakeCloud.AccountId, "us-east-1", "INC-42")], _cloud.Continuations);
        Assert.Contains("network is contained", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IsolateAsync_ContinuationOfDeferredIsolation_FinishesTheEvidenceStepsWaitingOutThrottling()
    {
        AddAutoScaledInstance();
        _cloud.ThrottledActions.Add("ModifyInstanceAttribute");
        await CreateDeferringSut().IsolateAsync(Request(), CancellationToken.None);
        _cloud.Calls.Clear();

        var result = await CreateDeferringSut().IsolateAsync(Continuation(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Equal(new InstanceProtection(true, true, "stop"), _cloud.Instances[InstanceId].Protection);
        Assert.Single(_cloud.Snapshots);
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal(IsolationStatus.Isolated, record.Status);
        Assert.Empty(record.DeferredSteps);
        // Only what was deferred ran: nothing before it again, and no second continuation.
        Assert.DoesNotContain(_cloud.Calls, call => call.StartsWith("ModifyNetworkInterfaceAttribute", StringComparison.Ordinal) || call == "EnterStandby");
        Assert.Single(_cloud.Continuations);
    }

    [Fact]
    public async Task IsolateAsync_EvidenceThrottledWithoutContinuationQueue_EveryStepRunsInTheRun()
    {
        AddAutoScaledInstance();
        _cloud.ThrottledActions.Add("ModifyInstanceAttribute");

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Single(_cloud.Snapshots);
        Assert.Empty(_cloud.Continuations);
    }

    [Fact]
    public async Task IsolateAsync_NotThrottled_SameCallsAsWithoutContinuationQueueAndNothingQueued()
    {
        var withoutQueue = new FakeCloud();
        foreach (var cloud in new[] { _cloud, withoutQueue })
        {
            cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);
            cloud.AutoScaling[InstanceId] = new AutoScalingMembership("web", "InService");
        }

        await new IsolationService(
            new AwsApis(withoutQueue, withoutQueue, withoutQueue, withoutQueue, withoutQueue, withoutQueue, withoutQueue), _dryRunEc2.Object, withoutQueue, _settings,
            "us-east-1", _time, NullLogger<IsolationService>.Instance).IsolateAsync(Request(), CancellationToken.None);
        var result = await CreateDeferringSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Empty(_cloud.Continuations);
        Assert.Equal(withoutQueue.Calls.Order(), _cloud.Calls.Order());
    }

    [Fact]
    public async Task IsolateAsync_ContinuationAfterRelease_ChangesNothing()
    {
        AddAutoScaledInstance();
        _cloud.ThrottledActions.Add("ModifyInstanceAttribute");
        await CreateDeferringSut().IsolateAsync(Request(), CancellationToken.None);
        _cloud.ThrottledActions.Clear();
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);
        var mutations = _cloud.Mutations.Count;

        var result = await CreateDeferringSut().IsolateAsync(Continuation(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.ContinuationStale, result.Outcome);
        Assert.Equal(mutations, _cloud.Mutations.Count);
        Assert.Equal(IsolationStatus.Released, _cloud.StoredRecord(InstanceId)!.Status);
    }

    [Fact]
    public async Task IsolateAsync_ContinuationOfAnotherIncident_ChangesNothing()
    {
        AddAutoScaledInstance();
        _cloud.ThrottledActions.Add("ModifyInstanceAttribute");
        await CreateDeferringSut().IsolateAsync(Request(), CancellationToken.None);
        var mutations = _cloud.Mutations.Count;

        var result = await CreateDeferringSut().IsolateAsync(Continuation("INC-OTHER"), CancellationToken.None);

        Assert.Equal(IsolationOutcome.ContinuationStale, result.Outcome);
        Assert.Equal(mutations, _cloud.Mutations.Count);
    }

    [Fact]
    public async Task IsolateAsync_ContinuationQueueRefuses_FailsLoudlyNetworkContainedAndRerunFinishes()
    {
        AddAutoScaledInstance();
        _cloud.ThrottledActions.Add("ModifyInstanceAttribute");
        _cloud.ContinuationRefusal = new InvalidOperationException("AccessDenied: sqs:SendMessage");

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateDeferringSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Equal(IsolationOutcome.Incomplete, error.Result?.Outcome);
        Assert.Contains("AccessDenied", error.Message, StringComparison.Ordinal);
        Assert.Contains("The network is contained", error.Message, StringComparison.Ordinal);
        AssertQuarantined();
        Assert.Equal(EvidenceSteps, _cloud.StoredRecord(InstanceId)!.DeferredSteps);

        _cloud.ContinuationRefusal = null;
        _cloud.ThrottledActions.Clear();
        var rerun = await CreateDeferringSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, rerun.Outcome);
        Assert.Single(_cloud.Snapshots);
    }

    [Fact]
    public async Task IsolateAsync_SnapshotsThrottledAfterProtection_OnlySnapshotsAndLaterStepsDeferred()
    {
        AddAutoScaledInstance();
        _cloud.ThrottledActions.Add("CreateSnapshots");

        var result = await CreateDeferringSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Contained, result.Outcome);
        Assert.Equal(new InstanceProtection(true, true, "stop"), _cloud.Instances[InstanceId].Protection);
        Assert.Equal([StepNames.Snapshots, StepNames.StatusTags], _cloud.StoredRecord(InstanceId)!.DeferredSteps);
    }

    [Fact]
    public async Task IsolateAsync_ContinuationStillThrottledAsItsDeadlineNears_QueuesTheRestAgainAsTheNextGeneration()
    {
        AddAutoScaledInstance();
        _cloud.Time = _time;
        _cloud.ThrottledActions.Add("ModifyInstanceAttribute");
        await CreateDeferringSut().IsolateAsync(Request(), CancellationToken.None);
        _deadline.Current = _time.GetUtcNow() + IsolationService.ContinuationReserve - TimeSpan.FromSeconds(1);

        var result = await CreateDeferringSut().IsolateAsync(Continuation(generation: 3), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Contained, result.Outcome);
        Assert.Equal(EvidenceSteps, _cloud.StoredRecord(InstanceId)!.DeferredSteps);
        Assert.Equal([0, 4], _cloud.Continuations.Select(c => c.Generation));
    }

    [Fact]
    public async Task IsolateAsync_ContinuationWithTimeLeft_WaitsThrottlingOutAndQueuesNothing()
    {
        AddAutoScaledInstance();
        _cloud.Time = _time;
        _cloud.ThrottledActions.Add("ModifyInstanceAttribute");
        await CreateDeferringSut().IsolateAsync(Request(), CancellationToken.None);
        _deadline.Current = _time.GetUtcNow() + IsolationService.ContinuationReserve + TimeSpan.FromSeconds(1);

        var result = await CreateDeferringSut().IsolateAsync(Continuation(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Single(_cloud.Continuations);
    }

    [Fact]
    public async Task IsolateAsync_LastContinuationStillThrottled_WaitsToTheEndRatherThanQueueAnother()
    {
        AddAutoScaledInstance();
        _cloud.Time = _time;
        _cloud.ThrottledActions.Add("ModifyInstanceAttribute");
        await CreateDeferringSut().IsolateAsync(Request(), CancellationToken.None);
        _deadline.Current = _time.GetUtcNow();

        var result = await CreateDeferringSut().IsolateAsync(Continuation(generation: IsolationService.MaxContinuations - 1), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Single(_cloud.Continuations);
    }
}
