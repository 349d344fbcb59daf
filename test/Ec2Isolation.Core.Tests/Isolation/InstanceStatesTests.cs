using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Retries;
using Ec2Isolation.Core.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;

namespace Ec2Isolation.Core.Tests.Isolation;

/// <summary>
/// Isolation and release of instances in the states and of the kinds EC2 treats apart (docs/instance-states.md),
/// against a fake that refuses what EC2 refuses (FakeCloud.States.cs).
/// </summary>
public sealed class InstanceStatesTests
{
    private const string InstanceId = "i-0123456789abcdef0";
    private const string VpcId = "vpc-1";
    private const string ProfileArn = "arn:aws:iam::123456789012:instance-profile/app-profile";

    private readonly FakeCloud _cloud = new();
    private readonly ElapsingTime _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly IsolationSettings _settings = new() { TableName = "records", IsolationInstanceProfile = FakeCloud.IsolationProfileArn };

    private static IsolationRequest Request => new(InstanceId, "GuardDuty finding abc", "INC-42", "tester");

    [Fact]
    public async Task IsolateAsync_SpotInstance_NeitherProtectionButShutdownStopAndEveryOtherStep()
    {
        _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn).IsSpot = true;

        var result = await CreateSut().IsolateAsync(Request, CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Equal(new InstanceProtection(false, false, "stop"), _cloud.Instances[InstanceId].Protection);
        Assert.Equal(FakeCloud.IsolationProfileArn, _cloud.Instances[InstanceId].Association!.InstanceProfileArn);
        Assert.All(_cloud.Instances[InstanceId].Volumes, volume => Assert.False(volume.DeleteOnTermination));
        Assert.Single(_cloud.Snapshots);
    }

    [Fact]
    public async Task ReleaseAsync_SpotInstance_RestoresTheShutdownBehaviourAlone()
    {
        _cloud.AddInstance(InstanceId, VpcId).IsSpot = true;
        await CreateSut().IsolateAsync(Request, CancellationToken.None);

        var result = await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Released, result.Outcome);
        Assert.Equal(new InstanceProtection(false, false, "terminate"), _cloud.Instances[InstanceId].Protection);
    }

    [Fact]
    public async Task IsolateAsync_InstanceStoreRoot_TerminationProtectionButNoStopProtection()
    {
        _cloud.AddInstance(InstanceId, VpcId).InstanceStoreRoot = true;

        await CreateSut().IsolateAsync(Request, CancellationToken.None);

        Assert.Equal(new InstanceProtection(true, false, "stop"), _cloud.Instances[InstanceId].Protection);
    }

    [Fact]
    public async Task IsolateAsync_StoppedInstance_DisassociatesThenAssociatesTheDenyAllProfile()
    {
        _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn).State = "stopped";

        var result = await CreateSut().IsolateAsync(Request, CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Equal(FakeCloud.IsolationProfileArn, _cloud.Instances[InstanceId].Association!.InstanceProfileArn);
        Assert.Equal(_cloud.Instances[InstanceId].Association!.AssociationId, result.Record.Artifacts.IsolationProfileAssociationId);
        Assert.Equal(["DisassociateIamInstanceProfile", "AssociateIamInstanceProfile"], ProfileChanges());
        Assert.Equal(new InstanceProtection(true, true, "stop"), _cloud.Instances[InstanceId].Protection);
    }

    [Fact]
    public async Task ReleaseAsync_StoppedInstance_DisassociatesThenAssociatesTheOriginalProfile()
    {
        var instance = _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);
        await CreateSut().IsolateAsync(Request, CancellationToken.None);
        instance.State = "stopped";
        _cloud.Calls.Clear();

        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);

        Assert.Equal(ProfileArn, instance.Association!.InstanceProfileArn);
        Assert.Equal(["DisassociateIamInstanceProfile", "AssociateIamInstanceProfile"], ProfileChanges());
    }

    [Fact]
    public async Task IsolateAsync_AssociationStillSettling_RetriedWithBackoffUntilAccepted()
    {
        _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);
        _cloud.UnsettledAssociationAnswers = 2;

        var result = await CreateSut().IsolateAsync(Request, CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Equal(FakeCloud.IsolationProfileArn, _cloud.Instances[InstanceId].Association!.InstanceProfileArn);
        Assert.Equal(3, ProfileChanges().Count(call => call == "ReplaceIamInstanceProfileAssociation"));
        AssertSettlingWaits(2);
    }

    [Fact]
    public async Task ReleaseAsync_StoppedInstanceOldAssociationStillDisassociating_AssociatesOnceItIsGone()
    {
        var instance = _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);
        await CreateSut().IsolateAsync(Request, CancellationToken.None);
        instance.State = "stopped";
        _cloud.Calls.Clear();
        _cloud.BeforeCall = call =>
        {
            if (call == "DisassociateIamInstanceProfile")
            {
                _cloud.UnsettledAssociationAnswers = 1; // the association EC2 is still disassociating
            }
        };

        var result = await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Released, result.Outcome);
        Assert.Equal(ProfileArn, instance.Association!.InstanceProfileArn);
        Assert.Equal(["DisassociateIamInstanceProfile", "AssociateIamInstanceProfile", "AssociateIamInstanceProfile"], ProfileChanges());
    }

    [Fact]
    public async Task IsolateAsync_AssociationNeverSettles_FailsTheStepAfterTheLastAttempt()
    {
        _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);
        _cloud.UnsettledAssociationAnswers = int.MaxValue;

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request, CancellationToken.None));

        Assert.Equal(StepNames.InstanceProfile, error.FailedStep);
        Assert.IsType<IncorrectStateException>(error.InnerException);
        Assert.Equal(Backoff.StateSettling.Attempts, ProfileChanges().Count);
        AssertSettlingWaits(Backoff.StateSettling.Attempts - 1);
    }

    [Fact]
    public async Task IsolateAsync_InstanceStoppingThenStopped_ProfileAndProtectionWaitForTheStop()
    {
        var instance = _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);
        SettlesWhileTheRunWaits(instance, "stopping", "stopped");

        var result = await CreateSut().IsolateAsync(Request, CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Equal(FakeCloud.IsolationProfileArn, instance.Association!.InstanceProfileArn);
        Assert.Equal(["DisassociateIamInstanceProfile", "AssociateIamInstanceProfile"], ProfileChanges());
        Assert.Equal(new InstanceProtection(true, true, "stop"), instance.Protection);
        AssertSettlingWaits(1);
    }

    [Fact]
    public async Task IsolateAsync_PendingInstance_ProfileWaitsUntilItRuns()
    {
        var instance = _cloud.AddInstance(InstanceId, VpcId);
        SettlesWhileTheRunWaits(instance, "pending", "running");

        var result = await CreateSut().IsolateAsync(Request, CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Equal(["AssociateIamInstanceProfile"], ProfileChanges());
        AssertSettlingWaits(1);
    }

    [Fact]
    public async Task IsolateThenRelease_TargetByAddress_DeregisteredThenRegisteredByAddress()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var byAddress = new TargetRegistration("arn:tg/ip-web", 443, null, "10.0.0.5");
        _cloud.Targets.Add((InstanceId, byAddress));

        var isolated = await CreateSut().IsolateAsync(Request, CancellationToken.None);
        var deregistered = _cloud.Targets.Count;
        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);

        Assert.Equal([byAddress], isolated.Record.Original.Attachments!.TargetRegistrations);
        Assert.Equal(0, deregistered);
        Assert.Equal([(InstanceId, byAddress)], _cloud.Targets);
    }

    [Fact]
    public async Task ReleaseAsync_StoppedInstance_RegistersByAddressAndSaysTheInstanceTargetWaitsForItToRun()
    {
        var instance = _cloud.AddInstance(InstanceId, VpcId);
        var byId = new TargetRegistration("arn:tg/web", 80, null);
        var byAddress = new TargetRegistration("arn:tg/ip-web", 443, null, "10.0.0.5");
        _cloud.Targets.AddRange([(InstanceId, byId), (InstanceId, byAddress)]);
        await CreateSut().IsolateAsync(Request, CancellationToken.None);
        instance.State = "stopped";

        var error = await Assert.ThrowsAsync<IsolationFailedException>(
            () => CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None));

        Assert.Equal(StepNames.TargetDeregistration, error.FailedStep);
        Assert.Contains("start it, then release again to register it in arn:tg/web", error.Message, StringComparison.Ordinal);
        Assert.Equal([(InstanceId, byAddress)], _cloud.Targets);
    }

    [Theory]
    [InlineData("running", false, false, ProtectionAttributes.Termination | ProtectionAttributes.Stop | ProtectionAttributes.ShutdownBehavior, true)]
    [InlineData("stopped", false, false, ProtectionAttributes.Termination | ProtectionAttributes.Stop | ProtectionAttributes.ShutdownBehavior, false)]
    [InlineData("running", true, false, ProtectionAttributes.ShutdownBehavior, true)]
    [InlineData("running", false, true, ProtectionAttributes.Termination | ProtectionAttributes.ShutdownBehavior, true)]
    [InlineData("pending", false, false, ProtectionAttributes.Termination | ProtectionAttributes.Stop | ProtectionAttributes.ShutdownBehavior, false)]
    public void Of_StateAndKind_DecidesWhatEc2Accepts(string state, bool spot, bool instanceStoreRoot, ProtectionAttributes protection, bool replacesInPlace)
    {
        var capabilities = new InstanceCapabilities(state, spot, instanceStoreRoot);

        Assert.Equal(protection, capabilities.ProtectionAttributes);
        Assert.Equal(replacesInPlace, capabilities.ReplacesProfileInPlace);
        Assert.Equal(replacesInPlace, capabilities.AcceptsInstanceTargetRegistration);
    }

    /// <summary>The run waited <paramref name="count"/> times, each within the settling backoff's jittered band (half to all of its doubling delay).</summary>
    private void AssertSettlingWaits(int count)
    {
        Assert.Equal(count, _time.Waits.Count);
        for (var attempt = 1; attempt <= count; attempt++)
        {
            var full = Math.Min(
                Backoff.StateSettling.First.TotalMilliseconds * Math.Pow(2, attempt - 1), Backoff.StateSettling.Longest.TotalMilliseconds);
            Assert.InRange(_time.Waits[attempt - 1].TotalMilliseconds, full / 2, full);
        }
    }

    /// <summary>The instance is <paramref name="from"/> when the run reads it, and <paramref name="to"/> when it reads it again after a refusal.</summary>
    private void SettlesWhileTheRunWaits(FakeInstance instance, string from, string to)
    {
        instance.State = from;
        var reads = 0;
        _cloud.BeforeCall = call =>
        {
            if (call == "DescribeInstances" && ++reads == 2)
            {
                instance.State = to;
            }
        };
    }

    private List<string> ProfileChanges() =>
        [.. _cloud.Calls.Where(call => call.Contains("IamInstanceProfile", StringComparison.Ordinal) && !call.StartsWith("Describe", StringComparison.Ordinal))];

    private IsolationService CreateSut() => new(
        new AwsApis(_cloud, _cloud, _cloud, _cloud, _cloud, _cloud, _cloud), new Mock<IEc2Api>().Object, _cloud, _settings, "us-east-1", _time,
        NullLogger<IsolationService>.Instance);
}
