using Ec2Isolation.Core.Model;
using Moq;

namespace Ec2Isolation.Cli.Tests;

public sealed class StatusCommandTests
{
    private readonly CliHarness _cli = new();

    [Fact]
    public async Task Status_NeverIsolated_PrintsNotIsolatedAndExitsZero()
    {
        _cli.Service.Setup(s => s.GetStatusAsync(TestData.InstanceId, It.IsAny<CancellationToken>())).ReturnsAsync((IsolationRecord?)null);

        var run = await _cli.RunAsync($"status {TestData.InstanceId}");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal($"{TestData.InstanceId} is not isolated (no isolation record).", run.Output.TrimEnd());
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Status_Recorded_PrintsTheRecordFacts()
    {
        _cli.Service.Setup(s => s.GetStatusAsync(TestData.InstanceId, It.IsAny<CancellationToken>())).ReturnsAsync(TestData.Record());

        var run = await _cli.RunAsync($"status {TestData.InstanceId}");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.StartsWith($"instance ", run.Output, StringComparison.Ordinal);
        Assert.Contains($"{TestData.InstanceId} (eu-west-1, vpc-1)", run.Output, StringComparison.Ordinal);
        Assert.Contains(run.Output.Split('\n'), l => l.StartsWith("completed steps ", StringComparison.Ordinal) && l.EndsWith(" network, credentials", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Status_TicketAndNotices_PrintsTheTicketKeyAndWhatBecameOfEachNotice()
    {
        var record = TestData.Record();
        record.TicketKey = "SEC-1";
        var at = record.StartedAt.AddSeconds(3);
        record.Notifications.AddRange(
        [
            new NotificationResult("jira", NoticeKind.Started, true, at, ExternalId: "SEC-1"),
            new NotificationResult("instance-tag", NoticeKind.Started, true, at, ExternalId: "SEC-1"),
            new NotificationResult("slack", NoticeKind.Completed, false, at.AddSeconds(10), Error: "No answer within 10 s."),
        ]);
        _cli.Service.Setup(s => s.GetStatusAsync(TestData.InstanceId, It.IsAny<CancellationToken>())).ReturnsAsync(record);

        var run = await _cli.RunAsync($"status {TestData.InstanceId}");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        var lines = run.Output.TrimEnd().Split('\n');
        Assert.Matches(@"^ticket\s+SEC-1$", Assert.Single(lines, l => l.StartsWith("ticket ", StringComparison.Ordinal)));
        Assert.Equal(
            [
                "jira Started: sent 2026-11-25 10:00:03Z (SEC-1)",
                "instance-tag Started: sent 2026-11-25 10:00:03Z (SEC-1)",
                "slack Completed: failed 2026-11-25 10:00:13Z: No answer within 10 s.",
            ],
            lines.Where(l => l.StartsWith("notice ", StringComparison.Ordinal)).Select(l => l["notice".Length..].Trim()));
    }

    [Fact]
    public async Task Status_NoTicketNorNotices_NoSuchLines()
    {
        _cli.Service.Setup(s => s.GetStatusAsync(TestData.InstanceId, It.IsAny<CancellationToken>())).ReturnsAsync(TestData.Record());

        var run = await _cli.RunAsync($"status {TestData.InstanceId}");

        Assert.DoesNotContain(run.Output.Split('\n'), l => l.StartsWith("ticket ", StringComparison.Ordinal) || l.StartsWith("notice ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Status_AttachmentsNotRecordedYet_SaysSoInsteadOfNone()
    {
        var record = TestData.Record(status: IsolationStatus.Isolating);
        record.Original.Attachments = null;
        _cli.Service.Setup(s => s.GetStatusAsync(TestData.InstanceId, It.IsAny<CancellationToken>())).ReturnsAsync(record);

        var run = await _cli.RunAsync($"status {TestData.InstanceId}");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Contains(run.Output.Split('\n'), l => l.StartsWith("instance profile ", StringComparison.Ordinal) && l.EndsWith(" (not recorded yet)", StringComparison.Ordinal));
        Assert.DoesNotContain("auto scaling", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_NoInstance_ListsOneRowPerRecord()
    {
        var failed = TestData.Record(TestData.OtherInstanceId, IsolationStatus.Isolating);
        failed.FailedStep = "snapshots";
        _cli.Service.Setup(s => s.ListAsync(It.IsAny<CancellationToken>())).ReturnsAsync([TestData.Record(), failed]);

        var run = await _cli.RunAsync("status");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        var lines = run.Output.TrimEnd().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^account\s+region\s+instance\s+status\s+incident\s+updated at\s+failed step$", lines[0]);
        Assert.Matches($@"^123456789012\s+eu-west-1\s+{TestData.InstanceId}\s+Isolated\s+INC-1\s+2026-11-25 10:01:00Z\s+-$", lines[1]);
        Assert.Matches($@"^123456789012\s+eu-west-1\s+{TestData.OtherInstanceId}\s+Isolating\s+INC-1\s+2026-11-25 10:01:00Z\s+snapshots$", lines[2]);
        Assert.Equal(lines[0].IndexOf("status", StringComparison.Ordinal), lines[2].IndexOf("Isolating", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Status_NoRecordsAtAll_SaysSo()
    {
        _cli.Service.Setup(s => s.ListAsync(It.IsAny<CancellationToken>())).ReturnsAsync([]);

        var run = await _cli.RunAsync("status");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal("No isolation records.", run.Output.TrimEnd());
    }
}
