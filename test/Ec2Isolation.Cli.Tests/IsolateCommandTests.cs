using Ec2Isolation.Core.Isolation;
using Moq;

namespace Ec2Isolation.Cli.Tests;

public sealed class IsolateCommandTests
{
    private readonly CliHarness _cli = new();

    [Fact]
    public async Task Isolate_ReasonAndIncident_CallsIsolateAsyncWithThem()
    {
        _cli.Service
            .Setup(s => s.IsolateAsync(new IsolationRequest(TestData.InstanceId, "x", "INC-1", null), It.IsAny<CancellationToken>()))
            .ReturnsAsync(TestData.Isolated());

        var run = await _cli.RunAsync($"isolate {TestData.InstanceId} --reason \"x\" --incident INC-1");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        _cli.Service.Verify(s => s.IsolateAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Isolate_NoReasonOrIncident_LeavesThemToTheEngine()
    {
        _cli.Service
            .Setup(s => s.IsolateAsync(new IsolationRequest(TestData.InstanceId, null, null, null), It.IsAny<CancellationToken>()))
            .ReturnsAsync(TestData.Isolated());

        var run = await _cli.RunAsync($"isolate {TestData.InstanceId}");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
    }

    [Fact]
    public async Task Isolate_Completed_PrintsOutcomeAndRecordFacts()
    {
        _cli.Service.Setup(s => s.IsolateAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(TestData.Isolated());

        var run = await _cli.RunAsync($"isolate {TestData.InstanceId}");

        var lines = run.Output.Split('\n');
        Assert.Equal($"{TestData.InstanceId} is isolated.", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("status ", StringComparison.Ordinal) && l.EndsWith(" Isolated", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("incident ", StringComparison.Ordinal) && l.EndsWith(" INC-1", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("started ", StringComparison.Ordinal) && l.EndsWith(" 2026-11-25 10:00:00Z", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("network eni-0aaa ", StringComparison.Ordinal) && l.EndsWith(" sg-web, sg-ssh -> sg-quarantine", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("network eni-0bbb ", StringComparison.Ordinal) && l.EndsWith(" sg-db -> sg-quarantine", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.EndsWith($" {TestData.ProfileArn} -> iip-assoc-isolation", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("snapshots ", StringComparison.Ordinal) && l.EndsWith(" snap-1, snap-2", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("auto scaling ", StringComparison.Ordinal) && l.EndsWith(" web-asg (was InService)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("target group ", StringComparison.Ordinal) && l.EndsWith($" {TestData.TargetGroupArn} port 80", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("last error", StringComparison.Ordinal));
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Isolate_RecordWithFailure_PrintsTheLastError()
    {
        var record = TestData.Record(status: Core.Model.IsolationStatus.Isolating);
        record.FailedStep = "snapshots";
        record.LastError = "quota exceeded";
        _cli.Service
            .Setup(s => s.IsolateAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new IsolationResult(IsolationOutcome.Isolated, record, "done"));

        var run = await _cli.RunAsync($"isolate {TestData.InstanceId}");

        Assert.Contains(run.Output.Split('\n'), l => l.StartsWith("last error ", StringComparison.Ordinal) && l.EndsWith(" snapshots: quota exceeded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Isolate_RecordBehindClassicLoadBalancers_PrintsEach()
    {
        var record = TestData.Record();
        record.Original.Attachments!.ClassicLoadBalancers = ["legacy-web", "legacy-api"];
        _cli.Service
            .Setup(s => s.IsolateAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new IsolationResult(IsolationOutcome.Isolated, record, "done"));

        var run = await _cli.RunAsync($"isolate {TestData.InstanceId}");

        var lines = run.Output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("classic load balancer ", StringComparison.Ordinal) && l.EndsWith(" legacy-web", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("classic load balancer ", StringComparison.Ordinal) && l.EndsWith(" legacy-api", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Isolate_DryRun_CallsPlanAndNeverIsolates()
    {
        _cli.Service
            .Setup(s => s.PlanIsolationAsync(new IsolationRequest(TestData.InstanceId, "x", null, null), It.IsAny<CancellationToken>()))
            .ReturnsAsync(TestData.Plan());

        var run = await _cli.RunAsync($"isolate {TestData.InstanceId} --reason x --dry-run");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        _cli.Service.Verify(s => s.IsolateAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>()), Times.Never);
        var lines = run.Output.Split('\n');
        Assert.Equal($"Would isolate {TestData.InstanceId} in 2 calls.", lines[0]);
        Assert.Matches(@"^#\s+step\s+api\s+target\s+detail\s+permission$", lines[2]);
        Assert.Matches(@"^1\s+network\s+ec2:ModifyNetworkInterfaceAttribute\s+eni-0aaa\s+groups sg-quarantine\s+Allowed$", lines[3]);
        Assert.Matches(@"^2\s+credentials\s+iam:PutRolePolicy\s+role/app\s+deny tokens issued before now\s+NotCheckable$", lines[4]);
        Assert.Equal(lines[2].IndexOf("api", StringComparison.Ordinal), lines[3].IndexOf("ec2:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Isolate_Interrupted_PassesTheCancellationOnAndExitsOne()
    {
        using var interrupt = new CancellationTokenSource();
        _cli.Service
            .Setup(s => s.IsolateAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>()))
            .Returns((IsolationRequest _, CancellationToken token) =>
            {
                interrupt.Cancel();
                token.ThrowIfCancellationRequested();
                return Task.FromResult(TestData.Isolated());
            });

        var run = await _cli.RunAsync($"isolate {TestData.InstanceId}", interrupt.Token);

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.StartsWith("error: Interrupted before the command completed", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }
}
