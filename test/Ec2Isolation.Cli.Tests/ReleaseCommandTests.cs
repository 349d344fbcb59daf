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
}
