using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Replacement;
using Ec2Isolation.Core.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace Ec2Isolation.Core.Tests.Replacement;

public sealed partial class ReplacementServiceTests
{
    private const string InstanceId = "i-0123456789abcdef0";
    private const string ImageId = "ami-0123456789abcdef0";
    private const string ProfileArn = "arn:aws:iam::123456789012:instance-profile/app-profile";

    private readonly FakeCloud _cloud = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly IsolationSettings _settings = new() { TableName = "records", IsolationInstanceProfile = FakeCloud.IsolationProfileArn };
    private readonly Mock<IEc2Api> _dryRunEc2 = new();

    private AwsApis Apis => new(_cloud, _cloud, _cloud, _cloud, _cloud, _cloud, _cloud);

    private ReplacementService CreateSut() => new(Apis, _dryRunEc2.Object, _settings, _time, NullLogger<ReplacementService>.Instance);

    [Fact]
    public async Task ReplaceAsync_FromAmi_LaunchesInTheSubnetAndTypeWithThePrimaryEnisOriginalGroupsAndProfile()
    {
        await IsolateAsync(enis: 2);

        var result = await CreateSut().ReplaceAsync(new(InstanceId, ImageId), CancellationToken.None);

        Assert.Equal(ReplacementOutcome.Launched, result.Outcome);
        var launch = Assert.Single(_cloud.Launches);
        Assert.Equal((ImageId, null, "subnet-1", "t3.micro"), (launch.ImageId, launch.LaunchTemplate, launch.SubnetId, launch.InstanceType));
        var replacement = _cloud.Instances[result.ReplacementInstanceId!];
        Assert.Equal(["sg-app0", "sg-shared"], _cloud.EniGroups[Assert.Single(replacement.Enis)]);
        Assert.Equal(ProfileArn, replacement.Association?.InstanceProfileArn);
    }

    [Fact]
    public async Task ReplaceAsync_Launched_TaggedAsTheReplacementWithTheNameSuffixed()
    {
        await IsolateAsync();

        var result = await CreateSut().ReplaceAsync(new(InstanceId, ImageId), CancellationToken.None);

        var tags = _cloud.Instances[result.ReplacementInstanceId!].Tags;
        Assert.Equal(InstanceId, tags["ec2-isolation:replaces"]);
        Assert.Equal("web-replacement", tags["Name"]);
        Assert.DoesNotContain(tags.Keys, key => key.StartsWith("ec2-isolation:status", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReplaceAsync_Launched_RecordHoldsTheReplacementAndNoLease()
    {
        await IsolateAsync();

        var result = await CreateSut().ReplaceAsync(new(InstanceId, ImageId), CancellationToken.None);

        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal([result.ReplacementInstanceId!], record.ReplacementInstanceIds);
        Assert.Equal(IsolationStatus.Isolated, record.Status);
        Assert.Null(record.LeaseOwner);
    }

    [Fact]
    public async Task ReplaceAsync_LaunchedFromATemplate_LaunchesFromThatTemplateVersion()
    {
        await IsolateAsync(tags: new() { ["aws:ec2launchtemplate:id"] = "lt-0abc", ["aws:ec2launchtemplate:version"] = "3" });

        await CreateSut().ReplaceAsync(new(InstanceId), CancellationToken.None);

        var launch = Assert.Single(_cloud.Launches);
        Assert.Equal((null, new LaunchTemplateReference("lt-0abc", "3")), (launch.ImageId, launch.LaunchTemplate));
    }

    [Fact]
    public async Task ReplaceAsync_NoAmiAndNoLaunchTemplate_InvalidRequestAndNothingLaunched()
    {
        await IsolateAsync();

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => CreateSut().ReplaceAsync(new(InstanceId), CancellationToken.None));

        Assert.Contains("--ami", error.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Launches);
    }

    [Fact]
    public async Task ReplaceAsync_AutoScalingMember_ReportsTheGroupAndLaunchesNothing()
    {
        _cloud.AutoScaling[InstanceId] = new AutoScalingMembership("web-asg", "InService");
        await IsolateAsync();

        var result = await CreateSut().ReplaceAsync(new(InstanceId, ImageId, Force: true), CancellationToken.None);

        Assert.Equal((ReplacementOutcome.ReplacedByAutoScalingGroup, "web-asg"), (result.Outcome, result.AutoScalingGroupName));
        Assert.Empty(_cloud.Launches);
    }

    [Fact]
    public async Task ReplaceAsync_IsolationStoppedBeforeRecordingTheAttachments_InvalidRequestAndNothingLaunched()
    {
        _cloud.AutoScaling[InstanceId] = new AutoScalingMembership("web-asg", "InService");
        _cloud.BeforeCall = call =>
        {
            if (call == "DescribeAutoScalingInstances")
            {
                throw new InvalidOperationException("injected failure");
            }
        };
        await Assert.ThrowsAsync<IsolationFailedException>(() => IsolateAsync());
        _cloud.BeforeCall = null;

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => CreateSut().ReplaceAsync(new(InstanceId, ImageId, Force: true), CancellationToken.None));

        Assert.Contains("run isolate again", error.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Launches);
    }

    [Fact]
    public async Task ReplaceAsync_NeverIsolated_InvalidRequestAndNothingLaunched()
    {
        _cloud.AddInstance(InstanceId, "vpc-1");

        await Assert.ThrowsAsync<InvalidRequestException>(() => CreateSut().ReplaceAsync(new(InstanceId, ImageId), CancellationToken.None));

        Assert.Empty(_cloud.Launches);
    }

    [Fact]
    public async Task ReplaceAsync_Released_InvalidRequestAndNothingLaunched()
    {
        await IsolateAsync();
        await CreateIsolation().ReleaseAsync(new ReleaseRequest(InstanceId, "tester"), CancellationToken.None);

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => CreateSut().ReplaceAsync(new(InstanceId, ImageId), CancellationToken.None));

        Assert.Contains("Released, not isolated", error.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Launches);
    }

    [Fact]
    public async Task ReplaceAsync_MalformedAmi_InvalidRequestBeforeAnyCall()
    {
        await Assert.ThrowsAsync<InvalidRequestException>(() => CreateSut().ReplaceAsync(new(InstanceId, "ami-X"), CancellationToken.None));

        Assert.Empty(_cloud.Calls);
    }

    [Fact]
    public async Task ReplaceAsync_RerunWhileTheReplacementRuns_AlreadyReplacedAndNothingLaunched()
    {
        await IsolateAsync();
        var first = await CreateSut().ReplaceAsync(new(InstanceId, ImageId), CancellationToken.None);

        var again = await CreateSut().ReplaceAsync(new(InstanceId, ImageId), CancellationToken.None);

        Assert.Equal((ReplacementOutcome.AlreadyReplaced, first.ReplacementInstanceId), (again.Outcome, again.ReplacementInstanceId));
        Assert.Single(_cloud.Launches);
    }

    [Fact]
    public async Task ReplaceAsync_RerunWithForce_LaunchesAnotherWithItsOwnClientToken()
    {
        await IsolateAsync();
        await CreateSut().ReplaceAsync(new(InstanceId, ImageId), CancellationToken.None);

        await CreateSut().ReplaceAsync(new(InstanceId, ImageId, Force: true), CancellationToken.None);

        Assert.Equal(2, _cloud.Launches.Select(launch => launch.ClientToken).Distinct().Count());
        Assert.Equal(2, _cloud.StoredRecord(InstanceId)!.ReplacementInstanceIds.Count);
    }

    [Fact]
    public async Task ReplaceAsync_RecordedReplacementTerminated_LaunchesAnother()
    {
        await IsolateAsync();
        var first = await CreateSut().ReplaceAsync(new(InstanceId, ImageId), CancellationToken.None);
        _cloud.Instances[first.ReplacementInstanceId!].State = "terminated";

        var second = await CreateSut().ReplaceAsync(new(InstanceId, ImageId), CancellationToken.None);

        Assert.Equal(ReplacementOutcome.Launched, second.Outcome);
        Assert.NotEqual(first.ReplacementInstanceId, second.ReplacementInstanceId);
    }

    [Fact]
    public async Task ReplaceAsync_LaunchFails_RecordGivenUpUnchangedSoIsolationIsNotHeldUp()
    {
        await IsolateAsync();
        _cloud.BeforeCall = call =>
        {
            if (call == "RunInstances")
            {
                throw new InvalidOperationException("InsufficientInstanceCapacity");
            }
        };

        await Assert.ThrowsAsync<InvalidOperationException>(() => CreateSut().ReplaceAsync(new(InstanceId, ImageId), CancellationToken.None));

        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal((null, 0), (record.LeaseOwner, record.ReplacementInstanceIds.Count));
    }

    [Fact]
    public async Task ReplaceAsync_AnotherRunHoldsTheRecord_BusyAndNothingLaunched()
    {
        await IsolateAsync();
        var record = _cloud.StoredRecord(InstanceId)!;
        (record.LeaseOwner, record.LeaseExpiresAt, record.Version) = ("another-run", _time.GetUtcNow().AddMinutes(1), record.Version + 1);
        await _cloud.PutAsync(record, record.Version - 1, CancellationToken.None);

        await Assert.ThrowsAsync<IsolationBusyException>(() => CreateSut().ReplaceAsync(new(InstanceId, ImageId), CancellationToken.None));

        Assert.Empty(_cloud.Launches);
    }

    [Fact]
    public async Task PlanReplacementAsync_Isolated_PermissionCheckedRunInstancesAndNothingChanged()
    {
        await IsolateAsync();
        var before = _cloud.StoredRecord(InstanceId)!.Version;
        _cloud.Calls.Clear();

        var plan = await CreateSut().PlanReplacementAsync(new(InstanceId, ImageId), CancellationToken.None);

        var launch = Assert.Single(plan.Calls, call => call.Api == "ec2:RunInstances");
        Assert.Equal(("launch", PermissionCheck.Allowed), (launch.Step, launch.Permission));
        Assert.Contains("sg-app0, sg-shared", launch.Detail, StringComparison.Ordinal);
        _dryRunEc2.Verify(ec2 => ec2.RunReplacementAsync(It.Is<ReplacementSpec>(spec => spec.ImageId == ImageId), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Empty(_cloud.Mutations);
        Assert.Equal(before, _cloud.StoredRecord(InstanceId)!.Version);
    }

    private IsolationService CreateIsolation() =>
        new(Apis, _dryRunEc2.Object, _cloud, _settings, "us-east-1", _time, NullLogger<IsolationService>.Instance);

    /// <summary>An instance named web with a profile, isolated by the engine itself, so that the record is the real one.</summary>
    private async Task IsolateAsync(int enis = 1, Dictionary<string, string>? tags = null)
    {
        var instance = _cloud.AddInstance(InstanceId, "vpc-1", enis, ProfileArn);
        instance.Tags["Name"] = "web";
        foreach (var tag in tags ?? [])
        {
            instance.Tags[tag.Key] = tag.Value;
        }

        await CreateIsolation().IsolateAsync(new IsolationRequest(InstanceId, RequestedBy: "tester"), CancellationToken.None);
    }
}
