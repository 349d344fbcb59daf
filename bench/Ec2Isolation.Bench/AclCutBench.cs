using System.Diagnostics;
using Amazon.EC2.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Bench;

/// <summary>One isolation of an instance behind a NAT gateway: when the security groups contained it, and when the network ACL cut was complete.</summary>
/// <param name="ChainToCut">The longest chain of sequential requests up to the last CreateNetworkAclEntry answered.</param>
internal sealed record AclCutMeasurement(
    TimeSpan Latency, IReadOnlyList<string> ChainToContainment, IReadOnlyList<string> ChainToCut, double ContainmentMs, double CutMs, double HandlerMs, int Entries);

/// <summary>
/// Issue 16's figure: an instance in a private subnet whose default route goes to a NAT gateway in a public subnet with
/// its own network ACL (<see cref="NatGatewayPath"/>), isolated by ours through the same wire recorder and fault proxy
/// as <see cref="ContainmentBench"/>. The security-group cut must take the same round trips as without the path; the
/// ACL cut's completion (both denies answered) is measured. The VPC's isolation groups exist (a warm-up creates them),
/// and each run's denies are deleted afterwards, so that every run sees the same ACL (and no run meets its entry quota).
/// </summary>
internal sealed class AclCutBench(BenchAccount account, WireRecorder wire, FaultProxy proxy, Ours ours)
{
    /// <summary>
    /// <c>--only acl-cut</c>: the same account, ours alone, and section 1's "groups present, 1 ENI" case beside it for
    /// the round trips without the path; rewrites the network ACL section of <paramref name="path"/> only.
    /// </summary>
    public static async Task<int> RunAloneAsync(BenchOptions options, string path, Action<string> progress)
    {
        var began = Stopwatch.GetTimestamp();
        var loadAtStart = Report.LoadAverage();
        var moto = new MotoServer();
        await moto.InitializeAsync();
        try
        {
            using var account = await BenchAccount.CreateAsync(moto, extraVpcs: 2, backgroundPerVpc: 6);
            await using var proxy = FaultProxy.Start(moto.EndpointUrl);
            await using var wire = await WireRecorder.StartAsync(proxy.Endpoint);
            await using var ours = Ours.Create(account.Moto.Settings, wire.Endpoint);
            TimeSpan[] latencies = [TimeSpan.Zero, options.Latency];
            var plain = await new ContainmentBench(account, wire, proxy, [ours]).RunAsync(options.Runs, latencies, progress, [(true, 1)]);
            var cuts = await new AclCutBench(account, wire, proxy, ours).RunAsync(options.Runs, latencies, progress);
            await Report.WriteAclCutAsync(path, options, loadAtStart, cuts, plain, Stopwatch.GetElapsedTime(began));
            progress($"wrote the network ACL section of {path}");
            return 0;
        }
        finally
        {
            await moto.DisposeAsync();
        }
    }

    public async Task<List<AclCutMeasurement>> RunAsync(int runs, IReadOnlyList<TimeSpan> latencies, Action<string> progress)
    {
        var vpc = await account.NewVpcAsync();
        var aclId = await NatGatewayPath.CreateAsync(vpc);
        await MeasureAsync(vpc, aclId, TimeSpan.Zero);
        var results = new List<AclCutMeasurement>();
        for (var run = 0; run < runs; run++)
        {
            foreach (var latency in latencies)
            {
                results.Add(await MeasureAsync(vpc, aclId, latency));
            }

            progress($"network ACL cut run {run + 1}/{runs} done");
        }

        return results;
    }

    private async Task<AclCutMeasurement> MeasureAsync(Ec2TestAccount vpc, string aclId, TimeSpan latency)
    {
        var instanceId = await account.RunWebInstanceAsync(vpc, interfaces: 1);
        var (start, end, calls) = await ContainmentBench.HandleOnTheWireAsync(wire, proxy, ours, instanceId, latency);
        var groupId = await account.FindGroupIdAsync(vpc.VpcId, ours.GroupName);
        var containment = calls.Where(call => ours.Contains(call.Request, groupId)).MaxBy(call => call.End)
            ?? throw new InvalidOperationException($"ours never moved {instanceId} into {groupId}");
        var entries = calls.Where(call => call.Action == "CreateNetworkAclEntry").ToList();
        var cut = entries.MaxBy(call => call.End) ?? throw new InvalidOperationException($"ours added no network ACL entry for {instanceId}: the NAT gateway path was not cut");
        await DeleteDeniesAsync(aclId);
        return new AclCutMeasurement(
            latency,
            [.. RoundTrips.LongestChainTo(calls, containment).Select(call => call.Action)],
            [.. RoundTrips.LongestChainTo(calls, cut).Select(call => call.Action)],
            Stopwatch.GetElapsedTime(start, containment.End).TotalMilliseconds,
            Stopwatch.GetElapsedTime(start, cut.End).TotalMilliseconds,
            Stopwatch.GetElapsedTime(start, end).TotalMilliseconds,
            entries.Count);
    }

    private async Task DeleteDeniesAsync(string aclId)
    {
        var acl = (await account.Moto.Ec2.DescribeNetworkAclsAsync(new DescribeNetworkAclsRequest { NetworkAclIds = [aclId] })).NetworkAcls.Single();
        foreach (var entry in acl.Entries.Where(e => e.RuleAction == Amazon.EC2.RuleAction.Deny && e.RuleNumber < 32767))
        {
            await account.Moto.Ec2.DeleteNetworkAclEntryAsync(new() { NetworkAclId = aclId, RuleNumber = entry.RuleNumber, Egress = entry.Egress });
        }
    }
}
