using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Tests.Fakes;

namespace Ec2Isolation.Core.Tests.Isolation;

/// <summary>Issue 14 item 1 and issue 15 item 2: no step's failure costs the evidence, and a failed run is resumed.</summary>
public sealed partial class IsolationServiceTests
{
    [Theory]
    [InlineData("DescribeTargetHealth", StepNames.TargetDeregistration, AttachmentParts.TargetRegistrations)]
    [InlineData("DescribeAutoScalingInstances", StepNames.AutoScalingStandby, AttachmentParts.AutoScaling)]
    [InlineData("DescribeLoadBalancers", StepNames.ClassicLoadBalancers, AttachmentParts.ClassicLoadBalancers)]
    public async Task IsolateAsync_AttachmentReadThrottled_EvidenceKeptFailureListedAndRerunRetriesOnlyIt(string read, string failingStep, string part)
    {
        _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);
        _cloud.AutoScaling[InstanceId] = new AutoScalingMembership("web", "InService");
        _cloud.Targets.Add((InstanceId, new TargetRegistration("arn:tg/web", 80, null)));
        var before = Snapshot();
        FailOn(read);

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        AssertQuarantined();
        Assert.Equal(IsolationOutcome.Incomplete, error.Result?.Outcome);
        Assert.Equal(new InstanceProtection(true, true, "stop"), _cloud.Instances[InstanceId].Protection);
        Assert.False(_cloud.Instances[InstanceId].Volumes.Single().DeleteOnTermination);
        Assert.Single(_cloud.Snapshots);
        Assert.Equal(FakeCloud.IsolationProfileArn, _cloud.Instances[InstanceId].Association!.InstanceProfileArn);
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal([failingStep], record.FailedSteps.Keys);
        Assert.Contains("injected failure", record.FailedSteps[failingStep], StringComparison.Ordinal);
        Assert.Equal([part], record.Original.Attachments!.Unread);
        Assert.Contains($"'{failingStep}' failed", error.Message, StringComparison.Ordinal);

        _cloud.BeforeCall = null;
        _cloud.Calls.Clear();
        var rerun = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, rerun.Outcome);
        Assert.Contains(read, _cloud.Calls);
        Assert.DoesNotContain(_cloud.Calls, call => call is "DescribeInstanceAttribute" or "CreateSnapshots" or "ModifyInstanceAttribute:protection");
        Assert.Empty(_cloud.StoredRecord(InstanceId)!.Original.Attachments!.Unread);
        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task IsolateAsync_RevocationRefused_StandbyProtectionVolumesAndSnapshotsStillHappenAndTheResultSaysIncomplete()
    {
        _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);
        _cloud.AutoScaling[InstanceId] = new AutoScalingMembership("web", "InService");
        _cloud.BeforeCall = call =>
        {
            // The revocation's first IAM write (the tool's boundary policy), refused as an SCP or a narrowed role would.
            if (call.StartsWith("CreatePolicy", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("AccessDenied: explicit deny in a service control policy");
            }
        };

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Equal((StepNames.CredentialRevocation, IsolationOutcome.Incomplete), (error.FailedStep, error.Result?.Outcome));
        Assert.Equal([StepNames.CredentialRevocation], error.FailedSteps.Keys);
        Assert.Contains("AccessDenied", error.Message, StringComparison.Ordinal);
        Assert.Contains("These hold: network, network-acl-cut, metadata-and-tracking, instance-profile, key-pair, auto-scaling-standby", error.Message, StringComparison.Ordinal);
        Assert.Equal("Standby", _cloud.AutoScaling[InstanceId].LifecycleState);
        Assert.Equal(new InstanceProtection(true, true, "stop"), _cloud.Instances[InstanceId].Protection);
        Assert.Single(_cloud.Snapshots);
        Assert.Equal(IsolationStatus.Isolating, _cloud.StoredRecord(InstanceId)!.Status);
    }

    [Fact]
    public async Task IsolateAsync_RunKilledAtTheInvocationDeadline_TheRetryAMinuteLaterTakesOver()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var deadline = _time.GetUtcNow().AddSeconds(30);
        _deadline.Current = deadline;
        // Killed at the timeout: no write after the snapshots' call, the failure's neither.
        _cloud.BeforeCall = call =>
        {
            if (call == "PutItem" && _cloud.Calls.Contains("CreateSnapshots"))
            {
                throw new InvalidOperationException("killed");
            }
        };
        await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));
        _cloud.BeforeCall = null;
        Assert.Equal(deadline, _cloud.StoredRecord(InstanceId)!.LeaseExpiresAt);
        Assert.NotNull(_cloud.StoredRecord(InstanceId)!.LeaseOwner);

        _time.Advance(TimeSpan.FromMinutes(1));
        _deadline.Current = _time.GetUtcNow().AddSeconds(30);
        var retry = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, retry.Outcome);
    }

    [Fact]
    public async Task IsolateAsync_NoInvocationDeadline_TheLeaseLastsItsConfiguredDuration()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        _cloud.BeforeCall = call =>
        {
            if (call == "PutItem" && _cloud.Calls.Contains("CreateSnapshots"))
            {
                throw new InvalidOperationException("killed");
            }
        };

        await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Equal(_time.GetUtcNow() + _settings.LeaseDuration, _cloud.StoredRecord(InstanceId)!.LeaseExpiresAt);
    }

    [Fact]
    public async Task IsolateAsync_FindingOfAnUnfinishedIsolation_ItsRetryResumesIt()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        FailOn("CreateSnapshots");
        await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request() with { FindingId = "finding-1" }, CancellationToken.None));
        _cloud.BeforeCall = null;
        _cloud.Calls.Clear();

        var retry = await CreateSut().IsolateAsync(Request() with { FindingId = "finding-1" }, CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, retry.Outcome);
        Assert.Equal(["CreateSnapshots"], _cloud.Mutations.Where(call => call != "PutItem"));
    }
}
