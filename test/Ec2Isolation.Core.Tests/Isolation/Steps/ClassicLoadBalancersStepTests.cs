using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Tests.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Isolation.Steps;

/// <summary>The classic-load-balancers step: out of every Classic Load Balancer that listed the instance, back on release.</summary>
public sealed class ClassicLoadBalancersStepTests
{
    private const string InstanceId = "i-0123456789abcdef0";
    private const string OtherInstanceId = "i-0fedcba9876543210";
    private const string VpcId = "vpc-1";

    private readonly FakeCloud _cloud = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 8, 10, 0, 0, TimeSpan.Zero));
    private readonly IsolationSettings _settings = new() { TableName = "records", IsolationInstanceProfile = FakeCloud.IsolationProfileArn };

    private IsolationService CreateSut() => FakeAccounts.Service(_cloud, _settings, _time);

    private static IsolationRequest Request() => new(InstanceId, "GuardDuty finding abc", "INC-42", "tester");

    private static ReleaseRequest Release() => new(InstanceId, "releaser");

    public ClassicLoadBalancersStepTests()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        _cloud.AddInstance(OtherInstanceId, VpcId);
    }

    [Fact]
    public async Task IsolateAsync_BehindTwoClassicLoadBalancers_OutOfBothAndTheOtherInstancesStay()
    {
        _cloud.ClassicLoadBalancers["web"] = [InstanceId, OtherInstanceId];
        _cloud.ClassicLoadBalancers["api"] = [InstanceId];
        _cloud.ClassicLoadBalancers["admin"] = [OtherInstanceId];

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Equal([OtherInstanceId], _cloud.ClassicLoadBalancers["web"]);
        Assert.Empty(_cloud.ClassicLoadBalancers["api"]);
        Assert.Equal([OtherInstanceId], _cloud.ClassicLoadBalancers["admin"]);
        Assert.Equal(["api", "web"], _cloud.StoredRecord(InstanceId)!.Original.Attachments!.ClassicLoadBalancers!.Order());
        Assert.DoesNotContain(_cloud.Mutations, call => call.EndsWith(":admin", StringComparison.Ordinal));
    }

    [Fact]
    public async Task IsolateAsync_BehindAClassicLoadBalancer_RecordedBeforeTheDeregistration()
    {
        _cloud.ClassicLoadBalancers["web"] = [InstanceId];
        List<string>? recordedWhenDeregistering = null;
        _cloud.BeforeCall = call =>
        {
            if (call.StartsWith("DeregisterInstancesFromLoadBalancer", StringComparison.Ordinal))
            {
                recordedWhenDeregistering = _cloud.StoredRecord(InstanceId)!.Original.Attachments?.ClassicLoadBalancers;
            }
        };

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(["web"], recordedWhenDeregistering);
    }

    [Fact]
    public async Task IsolateAsync_NotBehindAnyClassicLoadBalancer_NoDeregistrationAndNothingRecorded()
    {
        _cloud.ClassicLoadBalancers["web"] = [OtherInstanceId];

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Contains("DescribeLoadBalancers", _cloud.Calls);
        Assert.DoesNotContain(_cloud.Calls, call => call.StartsWith("DeregisterInstancesFromLoadBalancer", StringComparison.Ordinal));
        Assert.Equal([OtherInstanceId], _cloud.ClassicLoadBalancers["web"]);
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Empty(record.Original.Attachments!.ClassicLoadBalancers!);
        Assert.Contains(StepNames.ClassicLoadBalancers, record.CompletedSteps);
    }

    [Fact]
    public async Task ReleaseAsync_AfterIsolation_RegisteredWithEachAgain()
    {
        _cloud.ClassicLoadBalancers["web"] = [InstanceId, OtherInstanceId];
        _cloud.ClassicLoadBalancers["api"] = [InstanceId];
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        var result = await CreateSut().ReleaseAsync(Release(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Released, result.Outcome);
        Assert.Equal([InstanceId, OtherInstanceId], _cloud.ClassicLoadBalancers["web"].Order());
        Assert.Equal([InstanceId], _cloud.ClassicLoadBalancers["api"]);
        Assert.Empty(_cloud.StoredRecord(InstanceId)!.NotRestored);
    }

    [Fact]
    public async Task ReleaseAsync_ClassicLoadBalancerDeletedMeanwhile_TheOtherRestoredAndTheGoneOneListed()
    {
        _cloud.ClassicLoadBalancers["web"] = [InstanceId];
        _cloud.ClassicLoadBalancers["api"] = [InstanceId];
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        _cloud.ClassicLoadBalancers.Remove("web");

        var result = await CreateSut().ReleaseAsync(Release(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Released, result.Outcome);
        Assert.Equal([InstanceId], _cloud.ClassicLoadBalancers["api"]);
        Assert.Equal(
            "Classic Load Balancer web no longer exists; the instance was not registered with it again.",
            Assert.Single(_cloud.StoredRecord(InstanceId)!.NotRestored));
    }

    [Fact]
    public async Task IsolateAsync_OneDeregistrationFailsThenRerun_RerunUsesTheRecordAndTakesItOutOfBoth()
    {
        _cloud.ClassicLoadBalancers["web"] = [InstanceId];
        _cloud.ClassicLoadBalancers["api"] = [InstanceId];
        _cloud.BeforeCall = call =>
        {
            if (call == "DeregisterInstancesFromLoadBalancer:web")
            {
                throw new InvalidOperationException("Throttling: Rate exceeded");
            }
        };

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Equal(StepNames.ClassicLoadBalancers, error.FailedStep);
        Assert.Equal([InstanceId], _cloud.ClassicLoadBalancers["web"]);
        Assert.Empty(_cloud.ClassicLoadBalancers["api"]);

        _cloud.BeforeCall = null;
        _cloud.Calls.Clear();
        var rerun = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, rerun.Outcome);
        Assert.Empty(_cloud.ClassicLoadBalancers["web"]);
        Assert.Empty(_cloud.ClassicLoadBalancers["api"]);
        Assert.DoesNotContain("DescribeLoadBalancers", _cloud.Calls);
        await CreateSut().ReleaseAsync(Release(), CancellationToken.None);
        Assert.Equal([InstanceId], _cloud.ClassicLoadBalancers["web"]);
        Assert.Equal([InstanceId], _cloud.ClassicLoadBalancers["api"]);
    }

    [Fact]
    public async Task ReleaseAsync_InstanceStopped_NothingRegisteredTheStepFailsSayingToStartIt()
    {
        _cloud.ClassicLoadBalancers["web"] = [InstanceId];
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        _cloud.Instances[InstanceId].State = "stopped";

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().ReleaseAsync(Release(), CancellationToken.None));

        Assert.Contains("registers an instance only while it runs: start it, then release again to register it with web", error.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.ClassicLoadBalancers["web"]);
        Assert.DoesNotContain(_cloud.Calls, call => call.StartsWith("RegisterInstancesWithLoadBalancer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task IsolateAsync_RecordWrittenBeforeClassicLoadBalancers_RerunReadsThemAndTakesTheInstanceOut()
    {
        // A run that failed at the snapshots, its record then rewritten as a release without this step would have written it:
        // neither the part nor the step in it.
        _cloud.BeforeCall = call =>
        {
            if (call == "CreateSnapshots")
            {
                throw new InvalidOperationException("injected failure");
            }
        };
        await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));
        _cloud.BeforeCall = null;
        var record = _cloud.StoredRecord(InstanceId)!;
        record.Original.Attachments!.ClassicLoadBalancers = null;
        record.CompletedSteps.Remove(StepNames.ClassicLoadBalancers);
        await _cloud.PutAsync(record, record.Version, CancellationToken.None);
        Assert.False(_cloud.StoredRecord(InstanceId)!.Original.Attachments!.IsRead(AttachmentParts.ClassicLoadBalancers));
        _cloud.ClassicLoadBalancers["web"] = [InstanceId];

        var rerun = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, rerun.Outcome);
        Assert.Empty(_cloud.ClassicLoadBalancers["web"]);
        Assert.Equal(["web"], _cloud.StoredRecord(InstanceId)!.Original.Attachments!.ClassicLoadBalancers);
    }

    [Fact]
    public async Task IsolateAsync_DescribeLoadBalancersRefused_StepFailsLoudlyAndTheEvidenceIsStillTaken()
    {
        // A member role deployed before this step lacks elasticloadbalancing:DescribeLoadBalancers.
        _cloud.ClassicLoadBalancers["web"] = [InstanceId];
        _cloud.BeforeCall = call =>
        {
            if (call == "DescribeLoadBalancers")
            {
                throw new InvalidOperationException("AccessDenied: not authorized to perform: elasticloadbalancing:DescribeLoadBalancers");
            }
        };

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Equal(IsolationOutcome.Incomplete, error.Result?.Outcome);
        Assert.Contains("AccessDenied", error.Message, StringComparison.Ordinal);
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Contains(StepNames.ClassicLoadBalancers, record.FailedSteps);
        Assert.Contains(StepNames.Network, record.CompletedSteps);
        Assert.Contains(StepNames.Snapshots, record.CompletedSteps);
        Assert.Single(_cloud.Snapshots);
        Assert.Equal([InstanceId], _cloud.ClassicLoadBalancers["web"]);
    }

    [Fact]
    public async Task ReconcileAsync_IsolatedBeforeTheEngineReachedClassicLoadBalancers_TheSweepTakesTheInstanceOutOnce()
    {
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        // As an isolation completed before this step existed left it: isolated, neither the part nor the step recorded,
        // and the instance still behind its Classic Load Balancer.
        var record = _cloud.StoredRecord(InstanceId)!;
        record.Original.Attachments!.ClassicLoadBalancers = null;
        record.CompletedSteps.Remove(StepNames.ClassicLoadBalancers);
        await _cloud.PutAsync(record, record.Version, CancellationToken.None);
        _cloud.ClassicLoadBalancers["web"] = [InstanceId];

        var swept = await CreateSut().ReconcileAsync(InstanceId, "sweep e-1", CancellationToken.None);
        var again = await CreateSut().ReconcileAsync(InstanceId, "sweep e-2", CancellationToken.None);

        Assert.Equal((IsolationOutcome.Isolated, IsolationOutcome.AlreadyIsolated), (swept.Outcome, again.Outcome));
        Assert.Contains("gained since it was isolated were run (classic-load-balancers)", swept.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.ClassicLoadBalancers["web"]);
        var stored = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal(IsolationStatus.Isolated, stored.Status);
        Assert.Equal(["web"], stored.Original.Attachments!.ClassicLoadBalancers);
        Assert.Contains(StepNames.ClassicLoadBalancers, stored.CompletedSteps);
        Assert.Single(_cloud.Calls, call => call.StartsWith("DeregisterInstancesFromLoadBalancer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlanIsolationAsync_BehindAClassicLoadBalancer_PlansTheDeregistrationAndChangesNothing()
    {
        _cloud.ClassicLoadBalancers["web"] = [InstanceId];

        var plan = await CreateSut().PlanIsolationAsync(Request(), CancellationToken.None);

        var call = Assert.Single(plan.Calls, call => call.Api == "elasticloadbalancing:DeregisterInstancesFromLoadBalancer");
        Assert.Equal(StepNames.ClassicLoadBalancers, call.Step);
        Assert.Equal([InstanceId], _cloud.ClassicLoadBalancers["web"]);
        Assert.Null(_cloud.StoredRecord(InstanceId));
    }
}
