using System.Text.Json;
using Ec2Isolation.Core;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Replacement;
using Moq;

namespace Ec2Isolation.Cli.Tests;

public sealed class ReplaceCommandTests
{
    private const string ReplacementId = "i-0aaaaaaaaaaaaaaaa";

    private readonly CliHarness _cli = new();

    private static readonly ReplacementResult Launched = new(
        ReplacementOutcome.Launched,
        TestData.InstanceId,
        $"Launched {ReplacementId} to replace {TestData.InstanceId}.",
        ReplacementId,
        new ReplacementSpec
        {
            ImageId = "ami-0123456789abcdef0",
            InstanceType = "t3.micro",
            SubnetId = "subnet-1",
            SecurityGroupIds = ["sg-web", "sg-ssh"],
            InstanceProfileArn = TestData.ProfileArn,
            Tags = new Dictionary<string, string> { ["ec2-isolation:replaces"] = TestData.InstanceId },
            ClientToken = "token",
        });

    [Fact]
    public async Task Replace_AmiAndForce_PassesBothAndPrintsWhatWasLaunched()
    {
        _cli.Replacement
            .Setup(s => s.ReplaceAsync(new ReplacementRequest(TestData.InstanceId, "ami-0123456789abcdef0", true), It.IsAny<CancellationToken>()))
            .ReturnsAsync(Launched);

        var run = await _cli.RunAsync($"replace {TestData.InstanceId} --ami ami-0123456789abcdef0 --force");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        var lines = run.Output.Split('\n');
        Assert.Equal(Launched.Message, lines[0]);
        Assert.Contains($"replacement       {ReplacementId}", lines);
        Assert.Contains("security groups   sg-web, sg-ssh", lines);
    }

    [Fact]
    public async Task Replace_NoOptions_AsksForTheLaunchTemplateWithoutForce()
    {
        _cli.Replacement
            .Setup(s => s.ReplaceAsync(new ReplacementRequest(TestData.InstanceId, null, false), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ReplacementResult(ReplacementOutcome.AlreadyReplaced, TestData.InstanceId, "already replaced", ReplacementId));

        var run = await _cli.RunAsync($"replace {TestData.InstanceId}");

        Assert.Equal((ExitCodes.Success, "already replaced\n"), (run.ExitCode, run.Output));
    }

    [Fact]
    public async Task Replace_Json_OneObjectWithOutcomeReplacementAndLaunch()
    {
        _cli.Replacement.Setup(s => s.ReplaceAsync(It.IsAny<ReplacementRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(Launched);

        var run = await _cli.RunAsync($"replace {TestData.InstanceId} --ami ami-0123456789abcdef0 -o json");

        var json = JsonDocument.Parse(run.Output).RootElement;
        Assert.Equal("Launched", json.GetProperty("outcome").GetString());
        Assert.Equal(ReplacementId, json.GetProperty("replacementInstanceId").GetString());
        Assert.Equal("sg-ssh", json.GetProperty("launch").GetProperty("securityGroupIds")[1].GetString());
        Assert.Equal("ami-0123456789abcdef0", json.GetProperty("launch").GetProperty("source").GetString());
    }

    [Fact]
    public async Task Replace_DryRun_CallsPlanReplacementAndNeverReplaces()
    {
        _cli.Replacement
            .Setup(s => s.PlanReplacementAsync(new ReplacementRequest(TestData.InstanceId, "ami-0123456789abcdef0", false), It.IsAny<CancellationToken>()))
            .ReturnsAsync(TestData.Plan("replace"));

        var run = await _cli.RunAsync($"replace {TestData.InstanceId} --ami ami-0123456789abcdef0 --dry-run");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.StartsWith($"Would replace {TestData.InstanceId}", run.Output, StringComparison.Ordinal);
        _cli.Replacement.Verify(s => s.ReplaceAsync(It.IsAny<ReplacementRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Replace_NotIsolated_ExitCode2WithTheMessage()
    {
        _cli.Replacement
            .Setup(s => s.ReplaceAsync(It.IsAny<ReplacementRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidRequestException("i-0123456789abcdef0 has no isolation record."));

        var run = await _cli.RunAsync($"replace {TestData.InstanceId}");

        Assert.Equal(ExitCodes.InvalidRequest, run.ExitCode);
        Assert.Equal("error: i-0123456789abcdef0 has no isolation record.", Assert.Single(run.ErrorLines));
    }

    [Fact]
    public async Task Replace_AmiWithoutValue_ParseErrorExitCode2()
    {
        var run = await _cli.RunAsync($"replace {TestData.InstanceId} --ami");

        Assert.Equal(ExitCodes.InvalidRequest, run.ExitCode);
        Assert.Contains("ec2-isolation replace --help", run.Error, StringComparison.Ordinal);
    }
}

/// <summary>replace's re-image options: parsed into the request, a bad time refused before any service is built.</summary>
public sealed class ReplaceFromSnapshotsCommandTests
{
    private readonly CliHarness _cli = new();

    [Fact]
    public async Task Replace_FromSnapshotRepeated_EverySnapshotPassedInOrder()
    {
        _cli.Replacement
            .Setup(s => s.ReplaceAsync(
                It.Is<ReplacementRequest>(r => r.FromSnapshots!.SequenceEqual(new[] { "snap-0aaaaaaaaaaaaaaaa", "snap-0bbbbbbbbbbbbbbbb" }) && r.Before == null && !r.IncludeIsolationSnapshots),
                It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ReplacementResult(ReplacementOutcome.AlreadyReplaced, TestData.InstanceId, "already replaced"));

        var run = await _cli.RunAsync($"replace {TestData.InstanceId} --from-snapshot snap-0aaaaaaaaaaaaaaaa --from-snapshot snap-0bbbbbbbbbbbbbbbb");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
    }

    [Theory]
    [InlineData("2026-12-01T08:00:00Z")]
    [InlineData("2026-12-01T09:00:00+01:00")]
    [InlineData("2026-12-01T08:00:00")]
    public async Task Replace_Before_ParsedAsUtcUnlessItNamesAnOffset(string time)
    {
        _cli.Replacement
            .Setup(s => s.ReplaceAsync(
                It.Is<ReplacementRequest>(r => r.Before == new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero) && r.FromSnapshots == null && r.IncludeIsolationSnapshots),
                It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ReplacementResult(ReplacementOutcome.AlreadyReplaced, TestData.InstanceId, "already replaced"));

        var run = await _cli.RunAsync($"replace {TestData.InstanceId} --before {time} --include-isolation-snapshots");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
    }

    [Fact]
    public async Task Replace_BeforeNotATime_ExitsTwoNamingTheOptionAndBuildsNothing()
    {
        var run = await _cli.RunAsync($"replace {TestData.InstanceId} --before yesterday");

        Assert.Equal(ExitCodes.InvalidRequest, run.ExitCode);
        Assert.Contains("--before must be an ISO 8601 time", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.Null(_cli.Context);
    }
}
