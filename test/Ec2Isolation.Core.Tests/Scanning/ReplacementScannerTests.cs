using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Notifications;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Scanning;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.Core.Tests.Notifications;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Scanning;

public sealed class ReplacementScannerTests
{
    private const string InstanceId = "i-0123456789abcdef0";
    private const string ReplacementId = "i-0aaaaaaaaaaaaaaaa";
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private static readonly InstanceCoverage Pending = new("ACTIVE", "PENDING_INITIAL_SCAN", null);
    private static readonly InstanceCoverage Scanned = new("ACTIVE", "SUCCESSFUL", Start);

    private readonly FakeCloud _cloud = new();
    private readonly IsolationSettings _settings = new() { TableName = "records" };

    private AwsApis Apis => new(_cloud, _cloud, _cloud, _cloud, _cloud, _cloud, _cloud);

    private ReplacementScanner CreateSut(TimeProvider time, params IIsolationNotifier[] notifiers) =>
        new(_cloud, Apis, _settings, time, NullLogger<ReplacementScanner>.Instance, notifiers);

    [Fact]
    public async Task ScanAsync_Scanned_RecordsCountsBySeverityAndTheCriticalOnesByTitleAndCve()
    {
        await RecordReplacedAsync();
        _cloud.InspectorCoverage[ReplacementId] = [Scanned];
        _cloud.InspectorFindings[ReplacementId] =
        [
            new("CRITICAL", "CVE-2024-6387 - openssh-server", "CVE-2024-6387"),
            new("HIGH", "CVE-2023-1 - curl", "CVE-2023-1"),
            new("HIGH", "CVE-2023-2 - curl", "CVE-2023-2"),
            new("MEDIUM", "Port 22 reachable", null),
        ];

        var result = await CreateSut(new FakeTimeProvider(Start)).ScanAsync(new ScanRequest(InstanceId, TimeSpan.Zero), CancellationToken.None);

        var recorded = Assert.Single(_cloud.StoredRecord(InstanceId)!.ReplacementScans);
        Assert.Equal(ReplacementId, recorded.ReplacementInstanceId);
        Assert.Equal(new Dictionary<string, int> { ["CRITICAL"] = 1, ["HIGH"] = 2, ["MEDIUM"] = 1 }, recorded.CountsBySeverity);
        Assert.Equal([new CriticalFinding("CVE-2024-6387 - openssh-server", "CVE-2024-6387")], recorded.Critical);
        Assert.Equal(
            $"{ReplacementId} scanned by Amazon Inspector: 1 CRITICAL, 2 HIGH, 1 MEDIUM; critical: CVE-2024-6387 - openssh-server",
            result.Message);
        Assert.Null(_cloud.StoredRecord(InstanceId)!.LeaseOwner);
    }

    [Fact]
    public async Task ScanAsync_InspectorNotEnabled_SaysSoAtOnceWithoutAskingForCoverage()
    {
        await RecordReplacedAsync();
        _cloud.InspectorScansEc2 = false;
        var time = new ElapsingTime(Start);

        var result = await CreateSut(time).ScanAsync(new ScanRequest(InstanceId, TimeSpan.FromMinutes(5)), CancellationToken.None);

        Assert.Contains("does not scan EC2 instances in this account and region", result.Summary.NotScannedReason, StringComparison.Ordinal);
        Assert.DoesNotContain("ListCoverage", _cloud.Calls);
        Assert.Empty(time.Waits);
        Assert.False(Assert.Single(_cloud.StoredRecord(InstanceId)!.ReplacementScans).Scanned);
    }

    [Fact]
    public async Task ScanAsync_PendingThenScanned_PollsEveryIntervalThenReadsTheFindings()
    {
        await RecordReplacedAsync();
        _cloud.InspectorCoverage[ReplacementId] = [null, Pending, Scanned];
        var time = new ElapsingTime(Start);

        var result = await CreateSut(time).ScanAsync(new ScanRequest(InstanceId, TimeSpan.FromMinutes(5)), CancellationToken.None);

        Assert.True(result.Summary.Scanned);
        Assert.Equal([ReplacementScanner.PollInterval, ReplacementScanner.PollInterval], time.Waits);
        Assert.Equal(3, _cloud.Calls.Count(call => call == "ListCoverage"));
        Assert.Equal("no active findings", result.Message[(result.Message.IndexOf(": ", StringComparison.Ordinal) + 2)..]);
    }

    [Fact]
    public async Task ScanAsync_NeverCovered_GivesUpAtTheWaitAndSaysHowToAskLater()
    {
        await RecordReplacedAsync();
        var time = new ElapsingTime(Start);

        var result = await CreateSut(time).ScanAsync(new ScanRequest(InstanceId, TimeSpan.FromSeconds(75)), CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(75), time.Waits.Aggregate(TimeSpan.Zero, (sum, wait) => sum + wait));
        Assert.Equal(
            $"Amazon Inspector did not cover it within 75 s (run 'ec2-isolation scan {InstanceId}' later).",
            result.Summary.NotScannedReason);
        Assert.DoesNotContain("ListFindings", _cloud.Calls);
    }

    [Fact]
    public async Task ScanAsync_CoverageInactive_ReasonNamesInspectorsStatus()
    {
        await RecordReplacedAsync();
        _cloud.InspectorCoverage[ReplacementId] = [new InstanceCoverage("INACTIVE", "UNMANAGED_EC2_INSTANCE", null)];

        var result = await CreateSut(new FakeTimeProvider(Start)).ScanAsync(new ScanRequest(InstanceId, TimeSpan.Zero), CancellationToken.None);

        Assert.StartsWith("Amazon Inspector's coverage was INACTIVE (UNMANAGED_EC2_INSTANCE) after 0 s", result.Summary.NotScannedReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScanAsync_InspectorRefuses_NotScannedWithTheRefusalAndRecorded()
    {
        await RecordReplacedAsync();
        _cloud.InspectorRefusal = "AccessDeniedException: User is not authorized to perform: inspector2:BatchGetAccountStatus";

        var result = await CreateSut(new FakeTimeProvider(Start)).ScanAsync(new ScanRequest(InstanceId), CancellationToken.None);

        Assert.Equal("Amazon Inspector refused: " + _cloud.InspectorRefusal, result.Summary.NotScannedReason);
        Assert.Single(_cloud.StoredRecord(InstanceId)!.ReplacementScans);
    }

    [Fact]
    public async Task ScanAsync_ManyCriticalFindings_NamesTheFirstTwentyAndCountsThemAll()
    {
        await RecordReplacedAsync();
        _cloud.InspectorCoverage[ReplacementId] = [Scanned];
        _cloud.InspectorFindings[ReplacementId] = [.. Enumerable.Range(1, 30).Select(i => new VulnerabilityFinding("CRITICAL", $"CVE-2024-{i} - pkg", $"CVE-2024-{i}"))];

        var result = await CreateSut(new FakeTimeProvider(Start)).ScanAsync(new ScanRequest(InstanceId, TimeSpan.Zero), CancellationToken.None);

        Assert.Equal((30, ScanSummary.MaxCriticalNamed), (result.Summary.CountsBySeverity["CRITICAL"], result.Summary.Critical.Count));
    }

    [Fact]
    public async Task ScanAsync_NotifierConfigured_SendsAScannedNoticeAndRecordsWhatBecameOfIt()
    {
        await RecordReplacedAsync();
        _cloud.InspectorCoverage[ReplacementId] = [Scanned];
        var jira = new ScriptedNotifier("jira");

        await CreateSut(new FakeTimeProvider(Start), jira).ScanAsync(new ScanRequest(InstanceId, TimeSpan.Zero), CancellationToken.None);

        var notice = Assert.Single(jira.Notices);
        Assert.Equal(NoticeKind.Scanned, notice.Kind);
        Assert.Equal(ReplacementId, Assert.Single(notice.Record.ReplacementScans).ReplacementInstanceId);
        var result = Assert.Single(_cloud.StoredRecord(InstanceId)!.Notifications);
        Assert.Equal(("jira", NoticeKind.Scanned, true), (result.Notifier, result.Kind, result.Succeeded));
    }

    [Fact]
    public async Task ScanAsync_NoReplacementRecorded_InvalidRequestAndInspectorNeverAsked()
    {
        await RecordReplacedAsync(replacements: []);

        var error = await Assert.ThrowsAsync<InvalidRequestException>(
            () => CreateSut(new FakeTimeProvider(Start)).ScanAsync(new ScanRequest(InstanceId), CancellationToken.None));

        Assert.Contains("no replacement recorded: run replace first", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("BatchGetAccountStatus", _cloud.Calls);
    }

    [Fact]
    public async Task ScanAsync_NoRecord_InvalidRequest()
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(
            () => CreateSut(new FakeTimeProvider(Start)).ScanAsync(new ScanRequest(InstanceId), CancellationToken.None));

        Assert.Contains("has no isolation record", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScanAsync_RecordHeldByAnotherRun_SummaryReturnedAndSaidNotRecorded()
    {
        await RecordReplacedAsync(leaseOwner: "other-run");
        _cloud.InspectorCoverage[ReplacementId] = [Scanned];

        var result = await CreateSut(new FakeTimeProvider(Start)).ScanAsync(new ScanRequest(InstanceId, TimeSpan.Zero), CancellationToken.None);

        Assert.True(result.Summary.Scanned);
        Assert.Contains("being worked on by another run", result.NotRecorded, StringComparison.Ordinal);
        Assert.EndsWith($"(not recorded: {result.NotRecorded})", result.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.StoredRecord(InstanceId)!.ReplacementScans);
    }

    [Fact]
    public async Task ScanAsync_TwoReplacements_ScansTheLatest()
    {
        await RecordReplacedAsync(replacements: ["i-0bbbbbbbbbbbbbbbb", ReplacementId]);
        _cloud.InspectorCoverage[ReplacementId] = [Scanned];

        var result = await CreateSut(new FakeTimeProvider(Start)).ScanAsync(new ScanRequest(InstanceId, TimeSpan.Zero), CancellationToken.None);

        Assert.Equal(ReplacementId, result.Summary.ReplacementInstanceId);
        Assert.True(result.Summary.Scanned);
    }

    private Task RecordReplacedAsync(List<string>? replacements = null, string? leaseOwner = null) => _cloud.PutAsync(
        new IsolationRecord
        {
            InstanceId = InstanceId,
            InstanceArn = "arn:aws:ec2:eu-west-1:123456789012:instance/" + InstanceId,
            AccountId = FakeCloud.AccountId,
            Region = "eu-west-1",
            VpcId = "vpc-1",
            IncidentId = "INC-1",
            Reason = "test",
            RequestedBy = "tester",
            StartedAt = Start,
            Status = IsolationStatus.Isolated,
            Original = new OriginalConfiguration { NetworkInterfaces = [], Volumes = [] },
            ReplacementInstanceIds = replacements ?? [ReplacementId],
            LeaseOwner = leaseOwner,
            LeaseExpiresAt = leaseOwner is null ? null : Start.AddHours(1),
        },
        expectedVersion: null,
        CancellationToken.None);
}
