using System.Globalization;

namespace Ec2Isolation.Core.Model;

/// <summary>
/// What Amazon Inspector said about a replacement: the count of its findings by severity and the critical ones, or
/// why it was not scanned (Inspector not enabled, no coverage within the wait, a refusal).
/// </summary>
public sealed class ScanSummary
{
    /// <summary>How many critical findings a summary names; the count covers them all.</summary>
    public const int MaxCriticalNamed = 20;

    public required string ReplacementInstanceId { get; init; }

    /// <summary>When the findings were read, or when the scan gave up.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Why there are no findings to report; null when Inspector scanned the replacement.</summary>
    public string? NotScannedReason { get; set; }

    /// <summary>Active findings by severity (CRITICAL, HIGH, ...); empty when none or not scanned.</summary>
    public Dictionary<string, int> CountsBySeverity { get; set; } = [];

    /// <summary>The critical findings, at most <see cref="MaxCriticalNamed"/>.</summary>
    public List<CriticalFinding> Critical { get; set; } = [];

    public bool Scanned => NotScannedReason is null;

    /// <summary>One line for people: "i-2: 1 CRITICAL, 3 HIGH; critical: title (CVE-...)", or "i-2 not scanned: why".</summary>
    public string Describe()
    {
        if (NotScannedReason is { } why)
        {
            return $"{ReplacementInstanceId} not scanned: {why}";
        }

        var counts = CountsBySeverity.Count == 0
            ? "no active findings"
            : string.Join(", ", SeverityOrder.Where(CountsBySeverity.ContainsKey).Concat(CountsBySeverity.Keys.Except(SeverityOrder))
                .Select(severity => string.Create(CultureInfo.InvariantCulture, $"{CountsBySeverity[severity]} {severity}")));
        var critical = Critical.Count == 0 ? string.Empty : "; critical: " + string.Join("; ", Critical.Select(f => f.ToString()));
        return $"{ReplacementInstanceId} scanned by Amazon Inspector: {counts}{critical}";
    }

    /// <summary>Inspector's severities, most severe first (https://docs.aws.amazon.com/inspector/latest/user/findings-understanding-severity.html).</summary>
    public static IReadOnlyList<string> SeverityOrder { get; } = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNTRIAGED"];
}

/// <summary>A critical finding by its title and CVE (null for findings that are not package vulnerabilities).</summary>
public sealed record CriticalFinding(string Title, string? VulnerabilityId)
{
    public override string ToString() => VulnerabilityId is null || Title.Contains(VulnerabilityId, StringComparison.Ordinal) ? Title : $"{Title} ({VulnerabilityId})";
}
