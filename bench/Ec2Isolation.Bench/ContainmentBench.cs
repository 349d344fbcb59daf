using System.Diagnostics;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Bench;

/// <summary>One case: the isolation groups already in the VPC or not, how many ENIs, and the latency added to every call.</summary>
internal sealed record Scenario(bool GroupsPresent, int Interfaces, TimeSpan Latency)
{
    /// <summary>The cases measured: groups present or created on demand, one or three ENIs.</summary>
    public static readonly (bool GroupsPresent, int Interfaces)[] Cases = [(true, 1), (true, 3), (false, 1), (false, 3)];

    public string Groups => GroupsPresent ? "present" : "created";
}

/// <summary>What one isolation looked like on the wire.</summary>
/// <param name="Chain">The longest chain of sequential requests up to containment, in order.</param>
/// <param name="CallsToContainment">Requests that started before containment was complete.</param>
/// <param name="Calls">Every request of the run.</param>
/// <param name="Timeline">The requests until containment: action, start and end in ms after the handler got the event.</param>
internal sealed record Measurement(
    string Implementation, Scenario Scenario, IReadOnlyList<string> Chain, int CallsToContainment, int Calls, double ContainmentMs, double HandlerMs,
    IReadOnlyList<(string Action, double StartMs, double EndMs)> Timeline)
{
    public int RoundTrips => Chain.Count;
}

/// <summary>
/// Round trips and time to containment, ours against the baseline: each isolates a fresh instance per case and run,
/// in alternating order, with every request timed by the <see cref="WireRecorder"/> in front of the <see cref="FaultProxy"/>.
/// </summary>
internal sealed class ContainmentBench(BenchAccount account, WireRecorder wire, FaultProxy proxy, IReadOnlyList<IIsolator> isolators)
{
    /// <param name="cases">The cases to measure; all of <see cref="Scenario.Cases"/> when null.</param>
    public async Task<List<Measurement>> RunAsync(
        int runs, IReadOnlyList<TimeSpan> latencies, Action<string> progress, IReadOnlyList<(bool GroupsPresent, int Interfaces)>? cases = null)
    {
        // Warm-up, not measured: JIT and connection pools, and each implementation's groups in the shared VPC, which
        // stay there (a "created" scenario would delete them, and the first "present" run would create them again).
        foreach (var isolator in isolators)
        {
            await MeasureAsync(isolator, new Scenario(GroupsPresent: true, 1, TimeSpan.Zero), account.Shared);
        }

        var results = new List<Measurement>();
        for (var run = 0; run < runs; run++)
        {
            var order = run % 2 == 0 ? isolators : isolators.Reverse().ToList();
            foreach (var scenario in from c in cases ?? Scenario.Cases from latency in latencies select new Scenario(c.GroupsPresent, c.Interfaces, latency))
            {
                foreach (var isolator in order)
                {
                    var vpc = scenario.GroupsPresent ? account.Shared : await account.NewVpcAsync();
                    results.Add(await MeasureAsync(isolator, scenario, vpc));
                }
            }

            progress($"containment run {run + 1}/{runs} done");
        }

        return results;
    }

    /// <summary>
    /// Hands <paramref name="isolator"/> the instance's tag-change event with <paramref name="latency"/> added to every
    /// call; returns when it got the event and when it returned (Stopwatch timestamps), and every call it made.
    /// </summary>
    public static async Task<(long Start, long End, IReadOnlyList<WireCall> Calls)> HandleOnTheWireAsync(
        WireRecorder wire, FaultProxy proxy, IIsolator isolator, string instanceId, TimeSpan latency)
    {
        var tagEvent = SampleEvents.Load(SampleEvents.TagChange, instanceId);
        proxy.Rule = latency > TimeSpan.Zero ? _ => new Fault.Delay(latency) : _ => null;
        _ = wire.Take();
        long start;
        try
        {
            start = await isolator.HandleAsync(tagEvent);
        }
        finally
        {
            proxy.Rule = _ => null;
        }

        var end = Stopwatch.GetTimestamp();
        return (start, end, wire.Take());
    }

    private async Task<Measurement> MeasureAsync(IIsolator isolator, Scenario scenario, Ec2TestAccount vpc)
    {
        var instanceId = await account.RunWebInstanceAsync(vpc, scenario.Interfaces);
        var (start, end, calls) = await HandleOnTheWireAsync(wire, proxy, isolator, instanceId, scenario.Latency);
        var groupId = await account.FindGroupIdAsync(vpc.VpcId, isolator.GroupName);
        if (!scenario.GroupsPresent)
        {
            // Every run must see the same account: groups left in each new VPC would grow every later group look-up.
            await account.DeleteGroupsAsync(vpc.VpcId, isolator.CreatedGroups);
        }

        var containment = calls.Where(call => isolator.Contains(call.Request, groupId))
            .MaxBy(call => call.End) ?? throw new InvalidOperationException($"{isolator.Name} never moved {instanceId} into {groupId}");
        return new Measurement(
            isolator.Name,
            scenario,
            [.. RoundTrips.LongestChainTo(calls, containment).Select(call => call.Action)],
            calls.Count(call => call.Start < containment.End),
            calls.Count,
            Stopwatch.GetElapsedTime(start, containment.End).TotalMilliseconds,
            Stopwatch.GetElapsedTime(start, end).TotalMilliseconds,
            [.. calls.Where(call => call.Start < containment.End)
                .Select(call => (call.Action, Stopwatch.GetElapsedTime(start, call.Start).TotalMilliseconds, Stopwatch.GetElapsedTime(start, call.End).TotalMilliseconds))]);
    }
}
