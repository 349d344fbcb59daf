using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Amazon.EC2.Model;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Bench;

/// <summary>One outbreak run of one design: what the fleet waited for, against the floors EC2's buckets set.</summary>
internal sealed record OutbreakRun(
    string Design, int Instances, int Interfaces, int AutoScaled, int Concurrency, int ContinuationConcurrency,
    double NetworkSeconds, double SwapFloor, double CompleteSeconds, string BusiestAction, double BusiestFloor,
    double Ec2MutatingPerIsolation, double MutatingPerIsolation, int Throttled, int Failures, int LambdaRetries, int Contained,
    IReadOnlyList<double> StandbyWaits, int RecordsIsolated, int InterfacesOpen, double TimeScale = 1)
{
    public double NetworkRatio => NetworkSeconds / SwapFloor;

    public double CompleteRatio => CompleteSeconds / BusiestFloor;
}

/// <summary>
/// Issue 17's outbreak: N instances tagged at once (one in five with two ENIs, one in ten an Auto Scaling member behind
/// a target group, isolation groups already present), each tag-change event handed to K Native AOT bootstrap processes
/// through one Runtime API stand-in (Lambda's asynchronous queue and K concurrency slots), failed invocations queued again
/// twice as Lambda retries them, and EC2's per-action token buckets enforced in front of moto (<see cref="Ec2TokenBuckets"/>).
/// The new design adds the continuation queue (an SQS queue in moto) served by 2 more processes, as the stack's event
/// source with maximum concurrency 2 does; the current design gets those 2 processes on the event queue instead.
/// </summary>
internal static class OutbreakBench
{
    public const string NewDesign = "new: continuation queue";
    private const int ContinuationConcurrency = 2;
    /// <summary>The stack's function timeout, at time scale 1.</summary>
    private static readonly TimeSpan FunctionTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Instances per VPC at most: a test VPC's one subnet is a /24 (251 addresses for ENIs), and a fifth of them have two.</summary>
    private const int InstancesPerVpc = 150;

    public static async Task<OutbreakRun> RunAsync(MotoServer moto, int instances, int concurrency, bool continuations, double timeScale, Action<string> progress)
    {
        var design = continuations ? NewDesign : "without continuation queue";
        using var account = await BenchAccount.CreateAsync(moto, extraVpcs: Math.Max(1, instances / InstancesPerVpc), backgroundPerVpc: 0);
        var autoScaled = await AutoScalingMembersAsync(account, Math.Max(1, instances / 10));
        var targets = new List<string>(autoScaled);
        for (var i = targets.Count; i < instances; i++)
        {
            targets.Add(await account.RunWebInstanceAsync(account.Vpcs[i % account.Vpcs.Count], interfaces: i % 5 == 0 ? 2 : 1));
        }

        targets = [.. targets.OrderBy(id => id.GetHashCode(StringComparison.Ordinal) ^ 20261207)];
        await WarmUpAsync(account, moto);
        foreach (var chunk in targets.Chunk(100))
        {
            await account.Moto.Ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [.. chunk], Tags = [new("ec2-isolation", "isolate")] });
        }

        // The event source's SQS calls go straight to moto, not through the throttling proxy: they are Lambda's, not the function's.
        var sqs = new MotoSqs(moto, moto.Clients());
        var queueUrl = continuations ? await sqs.CreateQueueAsync("ec2-isolation-continuations") : null;
        var buckets = new Ec2TokenBuckets(timeScale);
        await using var proxy = FaultProxy.Start(moto.EndpointUrl);
        await using var wire = await WireRecorder.StartAsync(proxy.Endpoint);
        proxy.Rule = buckets.Rule;
        var environment = MotoEnvironment.For(wire.Endpoint);
        if (queueUrl is not null)
        {
            environment["EC2ISOLATION_CONTINUATION_QUEUE_URL"] = queueUrl;
        }

        await using var events = LambdaRuntimeStandIn.Start();
        await using var continuationEvents = LambdaRuntimeStandIn.Start();
        var processes = new List<BootstrapProcess>();
        try
        {
            for (var i = 0; i < concurrency + (continuations ? 0 : ContinuationConcurrency); i++)
            {
                processes.Add(await BootstrapProcess.StartAsync(events, environment));
            }

            for (var i = 0; continuations && i < ContinuationConcurrency; i++)
            {
                processes.Add(await BootstrapProcess.StartAsync(continuationEvents, environment));
            }

            progress($"outbreak ({design}): {targets.Count} instances tagged, {processes.Count} function processes; isolating");
            // Every wait on a bucket is 1/s times longer at time scale s, so is the function's timeout: at scale 0.2 an
        // invocation waiting for its swaps among K others is the same share of its timeout as at scale 1.
        var run = new Invocations(FunctionTimeout / timeScale);
            var started = Stopwatch.GetTimestamp();
            var isolations = targets.Select(id => run.InvokeAsync(events, SampleEvents.Load(SampleEvents.TagChange, id), started)).ToList();
            var served = queueUrl is null ? Task.CompletedTask : ServeContinuationsAsync(sqs, queueUrl, continuationEvents, run, Task.WhenAll(isolations), started);
            await Task.WhenAll(isolations);
            await served;
            proxy.Rule = _ => null;
            return await MeasureAsync(account, wire.Take(), buckets, run, started, design, targets, autoScaled, concurrency, continuations ? ContinuationConcurrency : 0);
        }
        finally
        {
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
        }
    }

    /// <summary>What the invocations answered: each outcome's time after the start, the retries and the failures.</summary>
    private sealed class Invocations(TimeSpan functionTimeout)
    {
        public ConcurrentBag<(double At, string Action)> Outcomes { get; } = [];

        public int Retries;
        public int Failures;

        /// <summary>Invokes once and, as Lambda does for an asynchronous invocation that fails, twice more.</summary>
        public async Task InvokeAsync(LambdaRuntimeStandIn runtime, string eventJson, long started)
        {
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var outcome = await runtime.WaitForOutcomeAsync(runtime.Enqueue(eventJson, functionTimeout), TimeSpan.FromMinutes(60));
                if (!outcome.IsError)
                {
                    var action = JsonDocument.Parse(outcome.Body).RootElement.GetProperty("action").GetString() ?? string.Empty;
                    Outcomes.Add((Stopwatch.GetElapsedTime(started).TotalSeconds, action));
                    return;
                }

                Interlocked.Increment(ref attempt == 2 ? ref Failures : ref Retries);
            }
        }
    }

    /// <summary>
    /// The SQS event source: takes each message as soon as it is visible, deletes it, and hands it to the continuation
    /// processes as an SQS event of one record (their number is the event source's maximum concurrency); until every
    /// event and every continuation served has ended (a continuation may queue another) and the queue stays empty.
    /// </summary>
    private static async Task ServeContinuationsAsync(MotoSqs sqs, string queueUrl, LambdaRuntimeStandIn runtime, Invocations run, Task isolations, long started)
    {
        var served = new List<Task>();
        var empty = 0;
        while (!isolations.IsCompleted || served.Exists(task => !task.IsCompleted) || empty < 2)
        {
            var messages = await sqs.ReceiveAsync(queueUrl, waitSeconds: 1);
            empty = messages.Count == 0 && isolations.IsCompleted && served.TrueForAll(task => task.IsCompleted) ? empty + 1 : 0;
            foreach (var message in messages)
            {
                await sqs.DeleteAsync(queueUrl, message);
                var record = JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["Records"] = new[]
                    {
                        new Dictionary<string, string>
                        {
                            ["messageId"] = message.MessageId,
                            ["eventSource"] = "aws:sqs",
                            ["body"] = message.Body,
                        },
                    },
                }, OutbreakJsonContext.Default.DictionaryStringObject);
                served.Add(run.InvokeAsync(runtime, record, started));
            }
        }

        await Task.WhenAll(served);
    }

    private static async Task<OutbreakRun> MeasureAsync(
        BenchAccount account, IReadOnlyList<WireCall> calls, Ec2TokenBuckets buckets, Invocations run, long started, string design,
        List<string> targets, List<string> autoScaled, int concurrency, int continuationConcurrency)
    {
        double At(WireCall call) => Stopwatch.GetElapsedTime(started, call.End).TotalSeconds;
        var answered = calls.Where(call => !call.Throttled && call.Status < 400).ToList();
        var interfaces = (await account.Moto.Ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest())).NetworkInterfaces
            .Where(eni => eni.Attachment?.InstanceId is { } id && targets.Contains(id))
            .ToDictionary(eni => eni.NetworkInterfaceId, eni => eni.Attachment.InstanceId);
        var containedAt = answered.Where(call => call.Action == "ModifyNetworkInterfaceAttribute" && call.Request.Parameter("NetworkInterfaceId") is { } eni && interfaces.ContainsKey(eni))
            .GroupBy(call => interfaces[call.Request.Parameter("NetworkInterfaceId")!])
            .ToDictionary(group => group.Key, group => group.Max(At));
        var standbyWaits = answered.Where(call => call.Action == "EnterStandby" && call.Request.Parameter("InstanceIds.member.1") is { } id && containedAt.ContainsKey(id))
            .Select(call => At(call) - containedAt[call.Request.Parameter("InstanceIds.member.1")!]).Order().ToList();
        var ec2 = answered.Where(call => call.Request.Service == "ec2").GroupBy(call => (call.Action, call.Request.IsMutation))
            .Select(group => (group.Key.Action, Floor: buckets.Floor(group.Key.Action, group.Key.IsMutation, group.Count()))).ToList();
        var busiest = ec2.MaxBy(action => action.Floor);
        var records = await account.Moto.CreateService().ListAsync(CancellationToken.None);
        var (_, open, _) = await BurstBench.InspectAsync(account, [.. targets]);
        return new OutbreakRun(
            design, targets.Count, interfaces.Count, autoScaled.Count, concurrency, continuationConcurrency,
            containedAt.Values.DefaultIfEmpty().Max(), buckets.Floor("ModifyNetworkInterfaceAttribute", mutating: true, 2 * interfaces.Count),
            run.Outcomes.Select(o => o.At).DefaultIfEmpty().Max(), busiest.Action, busiest.Floor,
            (double)answered.Count(call => call.Request.Service == "ec2" && call.Request.IsMutation) / targets.Count,
            (double)answered.Count(call => call.Request.IsMutation) / targets.Count,
            calls.Count(call => call.Throttled), run.Failures, run.Retries, run.Outcomes.Count(o => o.Action == "contained"),
            standbyWaits, records.Count(record => record.Status == IsolationStatus.Isolated && targets.Contains(record.InstanceId)), open, buckets.TimeScale);
    }

    /// <summary>An Auto Scaling group of <paramref name="members"/> web instances in the first VPC, all behind one target group.</summary>
    private static async Task<List<string>> AutoScalingMembersAsync(BenchAccount account, int members)
    {
        var moto = account.Moto;
        var web = await account.FindGroupIdAsync(moto.Network.VpcId, "web");
        var template = await moto.Ec2.CreateLaunchTemplateAsync(new()
        {
            LaunchTemplateName = "outbreak",
            LaunchTemplateData = new RequestLaunchTemplateData
            {
                ImageId = Ec2TestAccount.ImageId,
                InstanceType = Amazon.EC2.InstanceType.T3Micro,
                NetworkInterfaces = [new() { DeviceIndex = 0, SubnetId = moto.Network.SubnetId, Groups = [web] }],
            },
        });
        var size = members.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await moto.QueryAsync(
            Aws.Query.QueryService.AutoScaling, "CreateAutoScalingGroup", new("AutoScalingGroupName", "outbreak"),
            new("LaunchTemplate.LaunchTemplateId", template.LaunchTemplate.LaunchTemplateId), new("LaunchTemplate.Version", "$Latest"),
            new("MinSize", size), new("MaxSize", size), new("DesiredCapacity", size), new("VPCZoneIdentifier", moto.Network.SubnetId));
        var group = await moto.QueryAsync(Aws.Query.QueryService.AutoScaling, "DescribeAutoScalingGroups", new KeyValuePair<string, string>("AutoScalingGroupNames.member.1", "outbreak"));
        var ids = group.Descendants().Where(e => e.Name.LocalName == "InstanceId").Select(e => e.Value).Distinct().ToList();
        var targetGroup = await moto.QueryAsync(
            Aws.Query.QueryService.ElasticLoadBalancingV2, "CreateTargetGroup", new("Name", "outbreak"), new("Protocol", "HTTP"), new("Port", "80"),
            new("VpcId", moto.Network.VpcId), new("TargetType", "instance"));
        var arn = targetGroup.Descendants().First(e => e.Name.LocalName == "TargetGroupArn").Value;
        foreach (var chunk in ids.Chunk(50))
        {
            await moto.QueryAsync(
                Aws.Query.QueryService.ElasticLoadBalancingV2, "RegisterTargets",
                [new("TargetGroupArn", arn), .. chunk.SelectMany((id, i) => new KeyValuePair<string, string>[] { new($"Targets.member.{i + 1}.Id", id), new($"Targets.member.{i + 1}.Port", "8080") })]);
        }

        foreach (var id in ids)
        {
            await moto.AssociateAppProfileAsync(id);
        }

        return ids;
    }

    /// <summary>One isolation per VPC before the outbreak, unthrottled: its isolation groups exist, as in a deployment that has isolated before.</summary>
    private static async Task WarmUpAsync(BenchAccount account, MotoServer moto)
    {
        await using var ours = Ours.Create(account.Moto.Settings, moto.EndpointUrl);
        foreach (var vpc in account.Vpcs)
        {
            var id = await account.RunWebInstanceAsync(vpc, interfaces: 1);
            await account.Moto.Ec2.CreateTagsAsync(new CreateTagsRequest { Resources = [id], Tags = [new("ec2-isolation", "isolate")] });
            await ours.HandleAsync(SampleEvents.Load(SampleEvents.TagChange, id));
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>[]))]
internal sealed partial class OutbreakJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
