using System.Globalization;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Notifications;
using Ec2Isolation.Core.Ports;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Scanning;

/// <summary>
/// Waits, bounded, for Amazon Inspector to cover and scan the latest replacement of an isolated instance, summarises its
/// active findings, and records the summary (without holding the record while it waits), then sends it to the
/// notifiers as a <see cref="NoticeKind.Scanned"/> notice. Inspector is asked first whether it scans EC2 here at all,
/// so that an account without it hears so at once rather than after the wait.
/// </summary>
public sealed class ReplacementScanner(
    IVulnerabilityScanner inspector,
    AwsApis apis,
    IsolationSettings settings,
    TimeProvider time,
    ILogger<ReplacementScanner> logger,
    IEnumerable<IIsolationNotifier> notifiers) : IReplacementScanner
{
    /// <summary>How often coverage is asked for while waiting: Inspector scans within minutes of coverage, not seconds.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(30);

    private readonly IReadOnlyCollection<IIsolationNotifier> _notifiers = [.. notifiers];

    public async Task<ScanResult> ScanAsync(ScanRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var instanceId = InstanceIds.Validate(request.InstanceId);
        var wait = request.Wait ?? settings.InspectorWait;
        if (wait < TimeSpan.Zero)
        {
            throw new InvalidRequestException("The scan wait cannot be negative; nothing was scanned.");
        }

        var record = await apis.Records.GetAsync(instanceId, cancellationToken)
            ?? throw new InvalidRequestException($"{instanceId} has no isolation record: isolate and replace it before scanning; nothing was scanned.");
        var replacementId = record.ReplacementInstanceIds.LastOrDefault()
            ?? throw new InvalidRequestException($"{instanceId} has no replacement recorded: run replace first; nothing was scanned.");

        var summary = await ReadAsync(instanceId, replacementId, wait, cancellationToken);
        if (summary.NotScannedReason is { } reason)
        {
            ScanLog.NotScanned(logger, replacementId, reason);
        }
        else
        {
            ScanLog.Scanned(logger, replacementId, summary.Describe());
        }

        try
        {
            await RecordAsync(instanceId, summary, cancellationToken);
        }
        catch (IsolationBusyException e)
        {
            // The summary is what the analyst waited for: printed all the same, and a later 'scan' records it.
            ScanLog.NotRecorded(logger, replacementId, e.Message);
            return new ScanResult(instanceId, summary, e.Message);
        }

        return new ScanResult(instanceId, summary);
    }

    private async Task<ScanSummary> ReadAsync(string instanceId, string replacementId, TimeSpan wait, CancellationToken cancellationToken)
    {
        try
        {
            if (!await inspector.IsEc2ScanningEnabledAsync(cancellationToken))
            {
                return NotScanned(replacementId, "Amazon Inspector does not scan EC2 instances in this account and region (not enabled, or EC2 scanning is off).");
            }

            var deadline = time.GetUtcNow() + wait;
            ScanLog.Waiting(logger, wait.TotalSeconds, replacementId, instanceId);
            while (true)
            {
                var coverage = await inspector.GetCoverageAsync(replacementId, cancellationToken);
                if (coverage is { IsScanned: true })
                {
                    return Summarise(replacementId, await inspector.ListFindingsAsync(replacementId, cancellationToken));
                }

                var left = deadline - time.GetUtcNow();
                if (left <= TimeSpan.Zero)
                {
                    var seconds = wait.TotalSeconds.ToString(CultureInfo.InvariantCulture);
                    return NotScanned(replacementId, coverage is null
                        ? $"Amazon Inspector did not cover it within {seconds} s (run 'ec2-isolation scan {instanceId}' later)."
                        : $"Amazon Inspector's coverage was {coverage} after {seconds} s (run 'ec2-isolation scan {instanceId}' later).");
                }

                await Task.Delay(left < PollInterval ? left : PollInterval, time, cancellationToken);
            }
        }
        catch (VulnerabilityScanException e)
        {
            return NotScanned(replacementId, "Amazon Inspector refused: " + e.Message);
        }
    }

    private ScanSummary NotScanned(string replacementId, string reason) =>
        new() { ReplacementInstanceId = replacementId, At = time.GetUtcNow(), NotScannedReason = reason };

    private ScanSummary Summarise(string replacementId, IReadOnlyList<VulnerabilityFinding> findings) => new()
    {
        ReplacementInstanceId = replacementId,
        At = time.GetUtcNow(),
        CountsBySeverity = findings.GroupBy(f => f.Severity).ToDictionary(g => g.Key, g => g.Count()),
        Critical = [.. findings.Where(f => f.Severity == "CRITICAL")
            .Select(f => new CriticalFinding(f.Title, f.VulnerabilityId)).Distinct().Take(ScanSummary.MaxCriticalNamed)],
    };

    /// <summary>Adds the summary to the record read afresh (the wait may have been long), then tells the notifiers.</summary>
    private async Task RecordAsync(string instanceId, ScanSummary summary, CancellationToken cancellationToken)
    {
        var record = await apis.Records.GetAsync(instanceId, cancellationToken)
            ?? throw new InvalidOperationException($"The record of {instanceId} disappeared during the scan; the summary was not recorded: {summary.Describe()}");
        var lease = await RecordLease.AcquireAsync(
            apis.Records, time, new LeaseTerm(settings.LeaseDuration, Deadline: null), record, record, cancellationToken);
        lease.Record.ReplacementScans.Add(summary);
        var notices = NoticeDispatcher.For(_notifiers, apis.Ec2, settings.StatusTagPrefix + "ticket", time, logger, NoticeTiming.DefaultTimeout);
        if (notices is not null)
        {
            notices.Notify(NoticeKind.Scanned, lease.Record);
            await notices.SettleAsync(lease.Record, cancellationToken);
        }

        await lease.ReleaseAsync(cancellationToken);
    }
}
