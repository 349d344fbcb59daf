using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Moq;

namespace Ec2Isolation.Cli.Tests;

public sealed class ReleaseCommandTests
{
    private readonly CliHarness _cli = new();

    [Fact]
    public async Task Release_Completed_CallsReleaseAsyncAndPrintsWhoReleased()
    {
        var record = TestData.Record(status: IsolationStatus.Released);
        record.ReleasedAt = TestData.Started.AddHours(2);
        record.ReleasedBy = "arn:aws:iam::123456789012:user/lead";
        _cli.Service
            .Setup(s => s.ReleaseAsync(new ReleaseRequest(TestData.InstanceId, null), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new IsolationResult(IsolationOutcome.Released, record, $"{TestData.InstanceId} is released."));

        var run = await _cli.RunAsync($"release {TestData.InstanceId}");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        var lines = run.Output.Split('\n');
        Assert.Equal($"{TestData.InstanceId} is released.", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("released ", StringComparison.Ordinal)
            && l.EndsWith(" 2026-11-25 12:00:00Z by arn:aws:iam::123456789012:user/lead", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Release_DryRun_CallsPlanReleaseAndNeverReleases()
    {
        _cli.Service
            .Setup(s => s.PlanReleaseAsync(new ReleaseRequest(TestData.InstanceId, null), It.IsAny<CancellationToken>()))
            .ReturnsAsync(TestData.Plan("release"));

        var run = await _cli.RunAsync($"release {TestData.InstanceId} --dry-run");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.StartsWith($"Would release {TestData.InstanceId}", run.Output, StringComparison.Ordinal);
        _cli.Service.Verify(s => s.ReleaseAsync(It.IsAny<ReleaseRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Release_RestoreGroups_PassedToTheServiceAsIds()
    {
        var record = TestData.Record(status: IsolationStatus.Released);
        _cli.Service
            .Setup(s => s.ReleaseAsync(
                It.Is<ReleaseRequest>(r => r.RestoreGroups != null && r.RestoreGroups.SequenceEqual(new[] { "sg-11111111", "sg-22222222" })),
                It.IsAny<CancellationToken>()))
            .ReturnsAsync(new IsolationResult(IsolationOutcome.Released, record, $"{TestData.InstanceId} is released."));

        var run = await _cli.RunAsync($"release {TestData.InstanceId} --restore-groups sg-11111111,sg-22222222");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
    }

    [Fact]
    public async Task Release_OriginalGroupsUnknownAndNoneNamed_ExitCode4SayingWhatToPass()
    {
        _cli.Service
            .Setup(s => s.ReleaseAsync(It.IsAny<ReleaseRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new Core.RestoreGroupsRequiredException("its original security groups are not known: name the groups to restore (release --restore-groups sg-...)."));

        var run = await _cli.RunAsync($"release {TestData.InstanceId}");

        Assert.Equal((ExitCodes.RestoreGroupsRequired, 4), (run.ExitCode, ExitCodes.RestoreGroupsRequired));
        Assert.Contains("--restore-groups", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Release_PartlyRestored_ExitCode0AndTheOutputListsWhatWasNotRestored()
    {
        var record = TestData.Record(status: IsolationStatus.Released);
        record.NotRestored.Add("Target group arn:tg/web no longer exists; the instance was not registered with it again.");
        _cli.Service
            .Setup(s => s.ReleaseAsync(It.IsAny<ReleaseRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new IsolationResult(IsolationOutcome.Released, record, $"{TestData.InstanceId} is released; what still exists is restored."));

        var run = await _cli.RunAsync($"release {TestData.InstanceId}");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Contains(run.Output.Split('\n'), l => l.StartsWith("not restored", StringComparison.Ordinal) && l.Contains("arn:tg/web", StringComparison.Ordinal));
    }
}
