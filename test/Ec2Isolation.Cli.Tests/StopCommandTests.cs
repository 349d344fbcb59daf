using System.Text.Json;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Moq;

namespace Ec2Isolation.Cli.Tests;

public sealed class StopCommandTests
{
    private readonly CliHarness _cli = new();

    private static readonly StopResult Stopped = new(
        StopOutcome.Stopped,
        TestData.InstanceId,
        $"Stopping {TestData.InstanceId}: its memory is lost.",
        new InstanceStop { RequestedBy = "arn:aws:sts::123456789012:assumed-role/Responder/alice", StoppedAt = DateTimeOffset.UnixEpoch, StateBefore = "running" });

    [Theory]
    [InlineData("", false)]
    [InlineData(" --force", true)]
    public async Task Stop_ForceOrNot_PassedToTheServiceAndTheStopPrinted(string option, bool force)
    {
        _cli.Service.Setup(s => s.StopAsync(new StopRequest(TestData.InstanceId, force, null), It.IsAny<CancellationToken>())).ReturnsAsync(Stopped);

        var run = await _cli.RunAsync($"stop {TestData.InstanceId}{option}");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        var lines = run.Output.Split('\n');
        Assert.Equal(Stopped.Message, lines[0]);
        Assert.Contains("state before  running", lines);
    }

    [Fact]
    public async Task Stop_Json_OneObjectWithOutcomeAndTheStop()
    {
        _cli.Service.Setup(s => s.StopAsync(It.IsAny<StopRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(Stopped);

        var run = await _cli.RunAsync($"stop {TestData.InstanceId} -o json");

        var json = JsonDocument.Parse(run.Output).RootElement;
        Assert.Equal("Stopped", json.GetProperty("outcome").GetString());
        Assert.Equal("running", json.GetProperty("stop").GetProperty("stateBefore").GetString());
    }

    public static TheoryData<Exception, int> Refusals() => new()
    {
        { new SnapshotsPendingException("snap-1 (pending)"), ExitCodes.SnapshotsPending },
        { new StopRefusedException("instance store root"), ExitCodes.StopRefused },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Stop_Refused_DistinctExitCodeAndOneErrorLine(Exception refusal, int exitCode)
    {
        _cli.Service.Setup(s => s.StopAsync(It.IsAny<StopRequest>(), It.IsAny<CancellationToken>())).ThrowsAsync(refusal);

        var run = await _cli.RunAsync($"stop {TestData.InstanceId}");

        Assert.Equal(exitCode, run.ExitCode);
        Assert.Contains(refusal.Message, Assert.Single(run.ErrorLines), StringComparison.Ordinal);
    }
}
