using System.Collections.Concurrent;
using System.Diagnostics;
using Amazon.EC2.Model;
using Ec2Isolation.Core;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Bench;

/// <summary>What the burst did, and what the account looked like afterwards.</summary>
/// <param name="RetriesSeen">Requests that repeat a call the proxy had throttled (same SDK invocation id, or same Query parameters).</param>
/// <param name="GivenUp">Throttled calls never tried again.</param>
/// <param name="InterfacesOpen">ENIs of the burst's instances in anything but their VPC's quarantine group alone.</param>
/// <param name="GroupCounts">Per VPC: how many all-traffic and quarantine groups exist.</param>
internal sealed record Burst(
    int Instances, int Vpcs, int Concurrency, double ThrottledShare, TimeSpan Elapsed, double MedianIsolationMs, double MaxIsolationMs,
    int Requests, int MutatingRequests, int Throttled, int RetriesSeen, int GivenUp, IReadOnlyList<string> Failures,
    int RecordsIsolated, int InterfacesChecked, int InterfacesOpen, IReadOnlyList<(int AllTraffic, int Quarantine)> GroupCounts);

/// <summary>
/// Many instances across several new VPCs isolated by events that arrive at once, handled by a bounded number of
/// concurrent handlers of one composition root, with the proxy throttling a share of the mutating calls.
/// </summary>
internal static class BurstBench
{
    public static async Task<Burst> RunAsync(MotoServer moto, int instances, int concurrency, double throttledShare, Action<string> progress)
    {
        using var account = await BenchAccount.CreateAsync(moto, extraVpcs: 2, backgroundPerVpc: 0);
        var targets = new List<string>();
        for (var i = 0; i < instances; i++)
        {
            targets.Add(await account.RunWebInstanceAsync(account.Vpcs[i % account.Vpcs.Count], interfaces: i % 4 == 0 ? 2 : 1));
        }

        progress($"burst: {instances} instances launched in {account.Vpcs.Count} VPCs; isolating");
        await using var proxy = FaultProxy.Start(moto.EndpointUrl);
        await using var wire = await WireRecorder.StartAsync(proxy.Endpoint);
        var random = new Random(20261125);
        proxy.Rule = request =>
        {
            lock (random)
            {
                return request.IsMutation && random.NextDouble() < throttledShare ? Fault.Throttling : null;
            }
        };
        await using var ours = Ours.Create(account.Moto.Settings, wire.Endpoint);
        var failures = new ConcurrentBag<string>();
        var durations = new ConcurrentBag<double>();
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (instanceId, _) =>
        {
            try
            {
                durations.Add(Stopwatch.GetElapsedTime(await ours.HandleAsync(SampleEvents.Load(SampleEvents.TagChange, instanceId))).TotalMilliseconds);
            }
            catch (Exception e) when (e is IsolationFailedException or IsolationBusyException or InvalidOperationException)
            {
                failures.Add($"{instanceId}: {e.Message}");
            }
        });
        var elapsed = Stopwatch.GetElapsedTime(started);
        proxy.Rule = _ => null;

        var calls = wire.Take();
        var (retries, givenUp) = Retries(calls);
        var (checkedInterfaces, open, groups) = await InspectAsync(account, [.. targets]);
        var records = await account.Moto.CreateService().ListAsync(CancellationToken.None);
        return new Burst(
            instances, account.Vpcs.Count, concurrency, throttledShare, elapsed, Stats.Median(durations), durations.DefaultIfEmpty().Max(),
            calls.Count, calls.Count(call => call.Request.IsMutation), calls.Count(call => call.Throttled), retries, givenUp, [.. failures],
            records.Count(record => record.Status == IsolationStatus.Isolated && targets.Contains(record.InstanceId)),
            checkedInterfaces, open, groups);
    }

    /// <summary>Each request that repeats a throttled call is a retry; a throttled call never repeated was given up.</summary>
    private static (int Retries, int GivenUp) Retries(IReadOnlyList<WireCall> calls)
    {
        var pending = new Dictionary<string, int>(StringComparer.Ordinal);
        var retries = 0;
        foreach (var call in calls)
        {
            if (pending.GetValueOrDefault(call.CallId) > 0)
            {
                retries++;
                pending[call.CallId]--;
            }

            if (call.Throttled)
            {
                pending[call.CallId] = pending.GetValueOrDefault(call.CallId) + 1;
            }
        }

        return (retries, pending.Values.Sum());
    }

    /// <returns>
    /// How many ENIs of the targets were checked, how many are not in a quarantine group of their VPC alone, and per VPC
    /// how many all-traffic and quarantine groups exist.
    /// </returns>
    internal static async Task<(int Checked, int Open, IReadOnlyList<(int AllTraffic, int Quarantine)> Groups)> InspectAsync(BenchAccount account, HashSet<string> targets)
    {
        var settings = account.Moto.Settings;
        var groups = (await account.Moto.Ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
        {
            Filters = [new("group-name", [settings.AllTrafficGroupName, settings.QuarantineGroupName])],
        })).SecurityGroups;
        var (checkedInterfaces, open, counts) = (0, 0, new List<(int, int)>());
        foreach (var vpc in account.Vpcs)
        {
            var quarantine = groups.Where(g => g.VpcId == vpc.VpcId && g.GroupName == settings.QuarantineGroupName).Select(g => g.GroupId).ToHashSet();
            counts.Add((groups.Count(g => g.VpcId == vpc.VpcId && g.GroupName == settings.AllTrafficGroupName), quarantine.Count));
            var interfaces = (await account.Moto.Ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { Filters = [new("vpc-id", [vpc.VpcId])] }))
                .NetworkInterfaces.Where(eni => eni.Attachment?.InstanceId is { } id && targets.Contains(id)).ToList();
            checkedInterfaces += interfaces.Count;
            open += interfaces.Count(eni => eni.Groups.Count != 1 || !quarantine.Contains(eni.Groups[0].GroupId));
        }

        return (checkedInterfaces, open, counts);
    }
}
