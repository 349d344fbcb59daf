using System.Text.Json;
using Amazon.Runtime.Signing;
using Ec2Isolation.Aws.EventBridge;
using Ec2Isolation.Aws.Organizations;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.EventBridge;

/// <summary>
/// The result bus adapter against moto's EventBridge: the event reaches a rule on the bus that matches as
/// docs/result-events.md tells consumers to (source, detail-type prefix), and an entry EventBridge refuses inside a
/// successful answer (<c>FailedEntryCount</c>: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevents.html) is thrown.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class EventBridgeResultBusTests(MotoServer moto) : MotoAccountTests(moto)
{
    private const string FunctionArn = "arn:aws:lambda:us-east-1:123456789012:function:ec2-isolation";

    private AwsJsonClient Events() =>
        new(new HttpClient(new SigV4SigningHandler(Account.Clients.Credentials, Account.Clients.Region, "events", new SocketsHttpHandler())),
            new Uri(Moto.EndpointUrl), "AWSEvents", TimeProvider.System);

    private async Task<string> BusRoutedToQueueAsync(MotoSqs sqs, string name)
    {
        var events = Events();
        var queueUrl = await sqs.CreateQueueAsync(name);
        (await events.SendAsync("CreateEventBus", json => json.WriteString("Name", name), CancellationToken.None)).Dispose();
        (await events.SendAsync("PutRule", json =>
        {
            json.WriteString("Name", "isolations");
            json.WriteString("EventBusName", name);
            json.WriteString("EventPattern", """{"source":["lambda","ec2-isolation"],"detail-type":[{"prefix":"Lambda Function Invocation Result"}]}""");
        }, CancellationToken.None)).Dispose();
        (await events.SendAsync("PutTargets", json =>
        {
            json.WriteString("Rule", "isolations");
            json.WriteString("EventBusName", name);
            json.WriteStartArray("Targets");
            json.WriteStartObject();
            json.WriteString("Id", "queue");
            json.WriteString("Arn", MotoSqs.ArnOf(queueUrl));
            json.WriteEndObject();
            json.WriteEndArray();
        }, CancellationToken.None)).Dispose();
        return queueUrl;
    }

    [Fact]
    public async Task PutAsync_BusWithAConsumersRule_EventDeliveredWithOurSourceTheDetailTypeAndTheDetail()
    {
        var sqs = new MotoSqs(Moto, Account.Clients);
        var queueUrl = await BusRoutedToQueueAsync(sqs, "results");
        var bus = EventBridgeResultBus.Create(Account.Clients, "results", TimeProvider.System);

        await bus.PutAsync("Lambda Function Invocation Result - Success", """{"responsePayload":{"action":"isolated"}}""", [FunctionArn], CancellationToken.None);

        var delivered = JsonDocument.Parse(Assert.Single(await sqs.ReceiveAllAsync(queueUrl))).RootElement;
        Assert.Equal(EventBridgeResultBus.Source, delivered.GetProperty("source").GetString());
        Assert.Equal("Lambda Function Invocation Result - Success", delivered.GetProperty("detail-type").GetString());
        Assert.Equal("isolated", delivered.GetProperty("detail").GetProperty("responsePayload").GetProperty("action").GetString());
        Assert.Equal(FunctionArn, delivered.GetProperty("resources")[0].GetString());
    }

    [Fact]
    public async Task PutAsync_EntryRefusedInASuccessfulAnswer_ThrowsItsErrorCode()
    {
        (await Events().SendAsync("CreateEventBus", json => json.WriteString("Name", "refusing"), CancellationToken.None)).Dispose();
        var bus = EventBridgeResultBus.Create(Account.Clients, "refusing", TimeProvider.System);

        var error = await Assert.ThrowsAsync<AwsJsonException>(() => bus.PutAsync("Lambda Function Invocation Result - Success", "not json", [], CancellationToken.None));

        Assert.Equal("MalformedDetail", error.Code);
    }
}
