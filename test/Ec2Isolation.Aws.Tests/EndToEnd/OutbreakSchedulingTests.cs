using System.Text.Json;
using Ec2Isolation.Aws.Sqs;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Ec2Isolation.Aws.Tests.EndToEnd;

/// <summary>
/// Issue 17 item 1 over the real adapters against moto: a batch of tag-change events handled two at a time (two of the
/// function's concurrency slots) while EC2's ModifyInstanceAttribute bucket is empty (the fault proxy answers every such
/// call RequestLimitExceeded, as EC2 does: https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html).
/// Each run contains its network and gives way at the first throttled evidence call (the SDK does not retry it), and
/// the continuations, read from the SQS queue in moto once the bucket has refilled, finish every isolation.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class OutbreakSchedulingTests(MotoServer moto) : MotoAccountTests(moto)
{
    private const int Batch = 6;

    [Fact]
    public async Task HandleAsync_BatchWhileEc2ThrottlesEvidence_EveryNetworkContainedBeforeTheFirstSnapshotAndContinuationsFinishAll()
    {
        var web = await Account.Network.CreateGroupAsync("web");
        var instances = new List<string>();
        for (var i = 0; i < Batch; i++)
        {
            var instance = await Account.Network.RunInstanceAsync([web]);
            await Account.Network.ApplyTriggerTagAsync(instance.InstanceId);
            instances.Add(instance.InstanceId);
        }

        var sqs = new MotoSqs(Moto, Account.Clients);
        var queueUrl = await sqs.CreateQueueAsync("continuations");

        await using var proxy = FaultProxy.Start(Moto.EndpointUrl);
        var throttling = true;
        proxy.Rule = request => throttling && request.Service == "ec2" && request.Action == "ModifyInstanceAttribute" ? Fault.Throttling : null;
        using var provider = Account.BuildProvider(settings => settings with { ContinuationQueueUrl = new Uri(queueUrl) }, endpoint: proxy.Endpoint);
        var processor = provider.GetRequiredService<IIsolationEventProcessor>();

        var first = new List<EventResult>();
        await Parallel.ForEachAsync(instances, new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (id, token) =>
        {
            var result = await processor.HandleAsync(SampleEvents.Load(SampleEvents.TagChange, id), token);
            lock (first)
            {
                first.Add(result);
            }
        });

        Assert.All(first, result => Assert.Equal(Outcomes.Contained, result.Action));
        // Every run gave way at its first throttled answers (the protection step's three attributes, sent at once):
        // no throttled call was sent again, where the SDK's standard mode would have retried each up to 8 times.
        var throttled = proxy.Seen.Where(seen => seen.Fault is not null).Select(seen => seen.Request).ToList();
        Assert.InRange(throttled.Count, Batch, 3 * Batch);
        Assert.All(throttled.GroupBy(request => string.Join('&', request.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))), call => Assert.Single(call));
        throttling = false;

        var messages = await sqs.ReceiveAllAsync(queueUrl);
        Assert.Equal(instances.Order(), messages.Select(body => JsonDocument.Parse(body).RootElement.GetProperty("instanceId").GetString()).Order());
        foreach (var (body, i) in messages.Select((body, i) => (body, i)))
        {
            var sqsEvent = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["Records"] = new[] { new Dictionary<string, string> { ["messageId"] = $"m-{i}", ["eventSource"] = "aws:sqs", ["body"] = body } },
            }, OutbreakTestJson.Default.DictionaryStringObject);
            Assert.Equal(Outcomes.Isolated, (await processor.HandleAsync(sqsEvent, CancellationToken.None)).Action);
        }

        var seen = proxy.Seen.Select(s => s.Request).ToList();
        var lastNetworkCut = seen.FindLastIndex(request => request.Action == "ModifyNetworkInterfaceAttribute");
        var firstSnapshot = seen.FindIndex(request => request.Action == "CreateSnapshots");
        Assert.InRange(lastNetworkCut, 0, firstSnapshot - 1);
        foreach (var id in instances)
        {
            var record = (await Account.CreateService().GetStatusAsync(id, CancellationToken.None))!;
            Assert.Equal(IsolationStatus.Isolated, record.Status);
            Assert.Empty(record.DeferredSteps);
            Assert.Contains("snapshots", record.CompletedSteps);
        }
    }

    [Fact]
    public async Task ScheduleAsync_QueueOfMoto_MessageBodyIsTheContinuationTheFunctionReads()
    {
        var sqs = new MotoSqs(Moto, Account.Clients);
        var queueUrl = await sqs.CreateQueueAsync("continuations-body");

        var continuation = new Core.Ports.Continuation("i-0123456789abcdef0", MotoServer.AccountId, MotoServer.Region, "INC-1");
        await SqsContinuationScheduler.Create(Account.Clients, queueUrl, TimeProvider.System).ScheduleAsync(continuation, CancellationToken.None);

        Assert.Equal(continuation.ToMessageBody(), Assert.Single(await sqs.ReceiveAllAsync(queueUrl)));
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>[]))]
internal sealed partial class OutbreakTestJson : System.Text.Json.Serialization.JsonSerializerContext;
