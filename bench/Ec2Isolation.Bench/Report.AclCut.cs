namespace Ec2Isolation.Bench;

/// <summary>The section of bench/RESULTS.md on the network ACL cut (issue 16).</summary>
internal static partial class Report
{
    private const string AclCutHeading = "## Network ACL cut of a NAT gateway path (issue 16)";

    /// <summary>
    /// <c>--only acl-cut</c>: writes the section, with the machine and the run it came from, in place of the one in
    /// <paramref name="path"/> (or ahead of the hand-written interpretation); the rest of the file is kept.
    /// </summary>
    public static async Task WriteAclCutAsync(
        string path, BenchOptions options, string loadAtStart, IReadOnlyList<AclCutMeasurement> cuts, IReadOnlyList<Measurement> containment, TimeSpan took)
    {
        var md = new Markdown();
        AclCutSection(md, cuts, containment);
        md.Section(string.Empty, $"Measured alone by `bench/run.sh{string.Concat(options.Arguments.Select(a => " " + a))}` on {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC in {took.TotalMinutes:F1} min, with section 1's \"groups present, 1 ENI\" case measured in the same run for the comparison; load average (1, 5, 15 min) at the start {loadAtStart}, at the end {LoadAverage()}; code measured: {await RevisionAsync()}.");
        var text = File.Exists(path) ? await File.ReadAllTextAsync(path) : string.Empty;
        var at = text.IndexOf(AclCutHeading, StringComparison.Ordinal);
        var end = at < 0 ? -1 : text.IndexOf("\n## ", at + AclCutHeading.Length, StringComparison.Ordinal);
        var insertAt = at >= 0 ? at : text.IndexOf(InterpretationHeading, StringComparison.Ordinal) is var i and >= 0 ? i : text.Length;
        var rest = at >= 0 ? (end < 0 ? string.Empty : text[(end + 1)..]) : text[insertAt..];
        await File.WriteAllTextAsync(path, text[..insertAt] + md + rest);
    }

    private static void AclCutSection(Markdown md, IReadOnlyList<AclCutMeasurement> cuts, IReadOnlyList<Measurement> containment)
    {
        md.Section(
            AclCutHeading,
            $"An instance (one ENI, groups present) in a private subnet whose default route goes to a NAT gateway in a public subnet with its own network ACL: the commonest path whose tracked flows the security groups cannot cut. Ours only, {cuts.Count / Math.Max(1, cuts.Select(c => c.Latency).Distinct().Count())} runs per latency; each run's denies are deleted afterwards. \"contained\" is as in sections 1 and 2 (the last ENI in the quarantine group); \"ACL cut complete\" is when the proxy had sent the answer of the last `CreateNetworkAclEntry` (one deny per direction for the instance's address, in the NAT subnet's ACL, ahead of its allow entries). The cut starts after containment: the security-group cut waits for none of it. Median [min–max].");
        md.Table("added latency per call", "round trips to contained", "same, without the NAT path (§1, present, 1 ENI)", "round trips to ACL cut complete", "contained (ms)", "ACL cut complete (ms)", "whole isolation (ms)", "entries added");
        foreach (var latency in cuts.Select(c => c.Latency).Distinct().Order())
        {
            var runs = cuts.Where(c => c.Latency == latency).ToList();
            var without = Of(containment, "ours", true, 1, latency).Select(m => (double)m.RoundTrips);
            md.Line($"| {latency.TotalMilliseconds:F0} ms | {Spread(runs.Select(c => (double)c.ChainToContainment.Count), "0.#")} | {Spread(without, "0.#")} | {Spread(runs.Select(c => (double)c.ChainToCut.Count), "0.#")} | {Stats.Median(runs.Select(c => c.ContainmentMs)):F1} | {Stats.Median(runs.Select(c => c.CutMs)):F1} | {Stats.Median(runs.Select(c => c.HandlerMs)):F0} | {Stats.Median(runs.Select(c => c.Entries)):0.#} |");
        }

        var added = cuts.Max(c => c.Latency);
        var (chain, seen) = MostSeenChain(cuts.Where(c => c.Latency == added).Select(c => c.ChainToCut));
        md.Section(string.Empty, $"The chain to the ACL cut as most often seen with +{added.TotalMilliseconds:F0} ms/call ({seen}): {chain}");
    }
}
