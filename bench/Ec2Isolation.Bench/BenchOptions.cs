using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Bench;

/// <summary>
/// <c>--runs N</c> (15) repetitions of every containment case and cold start; <c>--latency-ms N</c> (50) added to every
/// call in the second set of containment runs; <c>--burst N</c> (200) instances, <c>--concurrency N</c> (10) handlers,
/// <c>--throttle F</c> (0.2) share of mutating calls throttled; <c>--only acl-cut</c> runs the network ACL cut alone and
/// rewrites its section of bench/RESULTS.md only (no AOT publish, no baseline).
/// </summary>
internal sealed record BenchOptions(IReadOnlyList<string> Arguments, int Runs, TimeSpan Latency, int BurstInstances, int Concurrency, double ThrottledShare, string Only = "")
{
    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal) { ["--runs"] = "15", ["--latency-ms"] = "50", ["--burst"] = "200", ["--concurrency"] = "10", ["--throttle"] = "0.2", ["--only"] = "" };
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!values.ContainsKey(args[i]) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"unknown option or missing value: {args[i]} (options: {string.Join(", ", values.Keys)})");
            }

            values[args[i]] = args[i + 1];
        }

        int Int(string name) => int.Parse(values[name], CultureInfo.InvariantCulture);
        return new BenchOptions(
            args, Int("--runs"), TimeSpan.FromMilliseconds(Int("--latency-ms")), Int("--burst"), Int("--concurrency"),
            double.Parse(values["--throttle"], CultureInfo.InvariantCulture), values["--only"]);
    }
}

internal static partial class Log
{
    [LoggerMessage(9000, LogLevel.Information, "{Message}")]
    public static partial void Progress(ILogger logger, string message);
}
