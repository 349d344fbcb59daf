using System.Text.Json;
using Ec2Isolation.Core;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Replacement;
using Ec2Isolation.Core.Scanning;
using Moq;

namespace Ec2Isolation.Cli.Tests;

public sealed class ScanCommandTests
{
    private const string ReplacementId = "i-0aaaaaaaaaaaaaaaa";

    private static readonly ScanSummary Scanned = new()
    {
        ReplacementInstanceId = ReplacementId,
        At = DateTimeOffset.UnixEpoch,
        CountsBySeverity = new() { ["HIGH"] = 3, ["CRITICAL"] = 1 },
        Critical = [new CriticalFinding("CVE-2024-6387 - openssh", "CVE-2024-6387")],
    };

    private readonly CliHarness _cli = new();

    private void ReplacementLaunches() =>
        _cli.Replacement.Setup(s => s.ReplaceAsync(It.IsAny<ReplacementRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ReplacementResult(ReplacementOutcome.Launched, TestData.InstanceId, "Launched.", ReplacementId));

    private void ScannerAnswers(ScanSummary summary) =>
        _cli.Scanner.Setup(s => s.ScanAsync(It.IsAny<ScanRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((ScanRequest request, CancellationToken _) => new ScanResult(request.InstanceId, summary));

    [Fact]
    public async Task Replace_Launched_ScansWithTheWaitGivenAndPrintsTheSummary()
    {
        ReplacementLaunches();
        ScannerAnswers(Scanned);

        var run = await _cli.RunAsync($"replace {TestData.InstanceId} --scan-wait 90");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal($"{ReplacementId} scanned by Amazon Inspector: 1 CRITICAL, 3 HIGH; critical: CVE-2024-6387 - openssh", run.Output.Split('\n')[1]);
        _cli.Scanner.Verify(s => s.ScanAsync(new ScanRequest(TestData.InstanceId, TimeSpan.FromSeconds(90)), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Replace_NoScanWait_LeavesTheWaitToTheSetting()
    {
        ReplacementLaunches();

        await _cli.RunAsync($"replace {TestData.InstanceId}");

        _cli.Scanner.Verify(s => s.ScanAsync(new ScanRequest(TestData.InstanceId, null), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Replace_NotScanned_StillSucceedsAndSaysWhy()
    {
        ReplacementLaunches();

        var run = await _cli.RunAsync($"replace {TestData.InstanceId} -o json");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        var scan = JsonDocument.Parse(run.Output).RootElement.GetProperty("scan");
        Assert.Contains("does not scan EC2", scan.GetProperty("notScannedReason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replace_NoScan_NeverAsksInspector()
    {
        ReplacementLaunches();

        var run = await _cli.RunAsync($"replace {TestData.InstanceId} --no-scan -o json");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.False(JsonDocument.Parse(run.Output).RootElement.TryGetProperty("scan", out _));
        _cli.Scanner.Verify(s => s.ScanAsync(It.IsAny<ScanRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Replace_AlreadyReplaced_NeverAsksInspector()
    {
        _cli.Replacement.Setup(s => s.ReplaceAsync(It.IsAny<ReplacementRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ReplacementResult(ReplacementOutcome.AlreadyReplaced, TestData.InstanceId, "already replaced", ReplacementId));

        await _cli.RunAsync($"replace {TestData.InstanceId}");

        _cli.Scanner.Verify(s => s.ScanAsync(It.IsAny<ScanRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Theory]
    [InlineData("replace i-0123456789abcdef0 --scan-wait -1")]
    [InlineData("replace i-0123456789abcdef0 --scan-wait 3601")]
    [InlineData("scan i-0123456789abcdef0 --scan-wait 9999")]
    public async Task ScanWait_OutOfRange_InvalidRequestAndNothingCalled(string commandLine)
    {
        var run = await _cli.RunAsync(commandLine);

        Assert.Equal(ExitCodes.InvalidRequest, run.ExitCode);
        Assert.Contains("--scan-wait must be from 0 to 3600 seconds", run.Error, StringComparison.Ordinal);
        Assert.Null(_cli.Context);
    }

    [Fact]
    public async Task Scan_Instance_PrintsTheSummaryLine()
    {
        ScannerAnswers(Scanned);

        var run = await _cli.RunAsync($"scan {TestData.InstanceId} --scan-wait 0");

        Assert.Equal((ExitCodes.Success, Scanned.Describe() + "\n"), (run.ExitCode, run.Output));
        _cli.Scanner.Verify(s => s.ScanAsync(new ScanRequest(TestData.InstanceId, TimeSpan.Zero), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Scan_Json_CountsBySeverityAndCriticalFindings()
    {
        ScannerAnswers(Scanned);

        var run = await _cli.RunAsync($"scan {TestData.InstanceId} -o json");

        var summary = JsonDocument.Parse(run.Output).RootElement.GetProperty("summary");
        Assert.Equal(1, summary.GetProperty("countsBySeverity").GetProperty("CRITICAL").GetInt32());
        Assert.Equal("CVE-2024-6387", summary.GetProperty("critical")[0].GetProperty("vulnerabilityId").GetString());
    }

    [Fact]
    public async Task Scan_RecordBusy_PrintsTheSummaryWithBusyExitCode()
    {
        _cli.Scanner.Setup(s => s.ScanAsync(It.IsAny<ScanRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ScanResult(TestData.InstanceId, Scanned, "another run holds it"));

        var run = await _cli.RunAsync($"scan {TestData.InstanceId}");

        Assert.Equal((ExitCodes.Busy, Scanned.Describe() + " (not recorded: another run holds it)\n"), (run.ExitCode, run.Output));
    }

    [Fact]
    public async Task Scan_NoReplacement_InvalidRequestExitCode()
    {
        _cli.Scanner.Setup(s => s.ScanAsync(It.IsAny<ScanRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidRequestException("no replacement recorded"));

        var run = await _cli.RunAsync($"scan {TestData.InstanceId}");

        Assert.Equal(ExitCodes.InvalidRequest, run.ExitCode);
        Assert.Contains("no replacement recorded", run.Error, StringComparison.Ordinal);
    }
}
