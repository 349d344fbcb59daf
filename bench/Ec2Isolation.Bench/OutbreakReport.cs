using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Bench;

/// <summary>
/// <c>bench/run.sh --outbreak N [--concurrency K] [--time-scale S] [--design both|new|without-queue]</c>: the outbreak of N
/// instances, without the continuation queue then with it (the new design), each on a
/// fresh moto; the runs are kept in bench/outbreak-runs.json (a run replaces the earlier one of the same N, K and
/// design) and written as RESULTS.md's outbreak section, between its markers. Exits 1 when a goal of issue 17 is missed, 2 on
/// bad arguments (nothing run).
/// </summary>
internal static class OutbreakReport
{
    private const string Start = "<!-- outbreak:start (bench/run.sh --outbreak N writes this section) -->";
    private const string End = "<!-- outbreak:end -->";

    /// <summary>Below this, the swaps (2.4 per instance) fit in <c>ModifyNetworkInterfaceAttribute</c>'s 100 tokens: no floor to compare with.</summary>
    private const int MinimumInstances = 50;

    public static async Task<int> RunAsync(string[] args, Action<string> progress)
    {
        var options = args.Skip(2).Chunk(2).ToDictionary(pair => pair[0], pair => pair.ElementAtOrDefault(1) ?? string.Empty, StringComparer.Ordinal);
        bool[]? designs = options.GetValueOrDefault("--design", "both") switch
        {
            "both" => [false, true],
            "new" => [true],
            "without-queue" => [false],
            _ => null,
        };
        if (!int.TryParse(args.ElementAtOrDefault(1) ?? "100", NumberStyles.None, CultureInfo.InvariantCulture, out var instances) || instances < MinimumInstances
            || !int.TryParse(options.GetValueOrDefault("--concurrency", "10"), NumberStyles.None, CultureInfo.InvariantCulture, out var concurrency) || concurrency < 1
            || !double.TryParse(options.GetValueOrDefault("--time-scale", "1"), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var timeScale) || timeScale is <= 0 or > 1
            || designs is null || options.Keys.Except(["--concurrency", "--time-scale", "--design"]).Any())
        {
            await Console.Error.WriteLineAsync(
                $"usage: bench/run.sh --outbreak N [--concurrency K] [--time-scale S] [--design both|new|without-queue]: N at least {MinimumInstances} "
                + "(the swaps of fewer fit in ModifyNetworkInterfaceAttribute's bucket: no floor to compare with), K at least 1, S in (0, 1].");
            return 2;
        }

        progress("publishing the Native AOT bootstrap (when stale)");
        await BootstrapProcess.EnsurePublishedAsync();
        var runs = new List<OutbreakRun>();
        foreach (var continuations in designs)
        {
            var moto = new MotoServer();
            await moto.InitializeAsync();
            try
            {
                var run = await OutbreakBench.RunAsync(moto, instances, concurrency, continuations, timeScale, progress);
                progress($"{run.Design}: networks {run.NetworkSeconds:F1} s ({run.NetworkRatio:F2}x), complete {run.CompleteSeconds:F1} s ({run.CompleteRatio:F2}x), "
                    + $"{run.Throttled} throttled, {run.LambdaRetries} retried, {run.Failures} failed");
                runs.Add(run);
            }
            finally
            {
                await moto.DisposeAsync();
            }
        }

        var root = BootstrapProcess.RepositoryRoot;
        var store = Path.Combine(root, "bench", "outbreak-runs.json");
        var kept = File.Exists(store) ? JsonSerializer.Deserialize(await File.ReadAllTextAsync(store), OutbreakReportJson.Default.ListOutbreakRun) ?? [] : [];
        kept.RemoveAll(old => runs.Any(run => run.Instances == old.Instances && run.Concurrency == old.Concurrency && run.Design == old.Design && run.TimeScale == old.TimeScale));
        kept.AddRange(runs);
        kept = [.. kept.OrderBy(run => run.Instances).ThenBy(run => run.Concurrency).ThenBy(run => run.Design, StringComparer.Ordinal)];
        await File.WriteAllTextAsync(store, JsonSerializer.Serialize(kept, OutbreakReportJson.Default.ListOutbreakRun));
        var path = Path.Combine(root, "bench", "RESULTS.md");
        var text = await File.ReadAllTextAsync(path);
        var section = Section(kept);
        text = text.Contains(Start, StringComparison.Ordinal)
            ? text[..text.IndexOf(Start, StringComparison.Ordinal)] + section + text[(text.IndexOf(End, StringComparison.Ordinal) + End.Length)..]
            : text.TrimEnd() + "\n\n" + section + "\n";
        await File.WriteAllTextAsync(path, text);
        progress($"wrote {path}");
        return runs.Where(run => run.Design == OutbreakBench.NewDesign).All(ours => ours.NetworkRatio <= 1.5 && ours.CompleteRatio <= 1.3 && ours.Failures == 0 && ours.LambdaRetries == 0) ? 0 : 1;
    }

    private static string Section(IReadOnlyList<OutbreakRun> runs)
    {
        static string F(double value) => value.ToString("F1", CultureInfo.InvariantCulture);
        static string R(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
        var text = new StringBuilder();
        text.AppendLine(Start);
        text.AppendLine("## 6. Outbreak (issue 17)");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Generated by `bench/run.sh --outbreak N` (last on {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC). N instances tagged at once (one in five with two ENIs, one in ten an Auto Scaling member behind a target group; one VPC per 150 instances, at least two, whose isolation groups exist), one tag-change event each, handed to K Native AOT bootstrap processes through one Runtime API stand-in (Lambda's asynchronous queue and its concurrency slots); a failed invocation is queued again, twice, as Lambda retries it; the function timeout is the stack's 90 s divided by the time scale (every wait on a bucket is that much longer). A proxy in front of moto enforces EC2's per-action token buckets at their documented rates (time scale 1 unless a row says otherwise: a scale s multiplies every bucket's size and refill rate by s; \"Request throttling for the Amazon EC2 API\": mutating 50 tokens refilled at 5/s, non-mutating 100 at 20/s, `ModifyNetworkInterfaceAttribute` and the profile associations 100 at 5/s, `CreateTags` 100 at 10/s). The new design's continuation queue is an SQS queue in moto served by 2 more processes (the stack's event source, maximum concurrency 2); the design without it gets those 2 processes on the event queue instead. Both designs wait EC2's throttling out in short jittered waits (docs/outbreak.md); the design before issue 17 (the SDK's standard retries, no queue) is described in the interpretation below. One run per row.");
        text.AppendLine();
        text.AppendLine("Floors: the time EC2's buckets need, starting full, for the calls the run made: the swaps' floor is `ModifyNetworkInterfaceAttribute`'s (two per ENI), the busiest's the largest of any action's. Goals: networks / swap floor at most 1.5, complete / busiest floor at most 1.3, no failure, no Lambda retry.");
        text.AppendLine();
        text.AppendLine("| N | K | design | every network contained (s) | / swap floor | every isolation complete (s) | / busiest floor (action) | EC2 mutating calls / isolation (all services) | throttled answers | Lambda retries | failed | handed to continuations | Standby after the cut: median, max (s) | records isolated; ENIs open |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var run in runs)
        {
            var waits = run.StandbyWaits.Count == 0 ? "-" : $"{F(Stats.Median(run.StandbyWaits))}, {F(run.StandbyWaits.Max())} ({run.StandbyWaits.Count} members)";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {run.Instances} ({run.Interfaces} ENIs, {run.AutoScaled} in ASG{(run.TimeScale == 1 ? string.Empty : $"; time scale {run.TimeScale}")}) | {run.Concurrency}{(run.ContinuationConcurrency > 0 ? $"+{run.ContinuationConcurrency}" : "+2 on the event queue")} | {run.Design} | {F(run.NetworkSeconds)} | {R(run.NetworkRatio)} (floor {F(run.SwapFloor)}) | {F(run.CompleteSeconds)} | {R(run.CompleteRatio)} (floor {F(run.BusiestFloor)}, {run.BusiestAction}) | {R(run.Ec2MutatingPerIsolation)} ({R(run.MutatingPerIsolation)}) | {run.Throttled} | {run.LambdaRetries} | {run.Failures} | {run.Contained} | {waits} | {run.RecordsIsolated} of {run.Instances}; {run.InterfacesOpen} |");
        }

        text.AppendLine();
        text.Append(End);
        return text.ToString();
    }
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(List<OutbreakRun>))]
internal sealed partial class OutbreakReportJson : JsonSerializerContext;
