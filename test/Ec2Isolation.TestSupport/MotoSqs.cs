using System.Text.Json;
using Amazon.Runtime.Signing;
using Ec2Isolation.Aws;
using Ec2Isolation.Aws.Organizations;
using Ec2Isolation.Aws.Sqs;

namespace Ec2Isolation.TestSupport;

/// <summary>
/// SQS queues of moto, seen from outside the function (a test's observer, the benchmark's event source): over SQS's JSON
/// protocol (AWS JSON 1.0), signed for <c>sqs</c>.
/// </summary>
public sealed class MotoSqs(MotoServer moto, AwsClientFactory clients)
{
    private readonly AwsJsonClient _sqs = new(
        new HttpClient(new SigV4SigningHandler(clients.Credentials, clients.Region, "sqs", new SocketsHttpHandler())),
        new Uri(moto.EndpointUrl), SqsContinuationScheduler.TargetPrefix, TimeProvider.System, AwsJsonClient.Json10);

    /// <summary>Creates the queue <paramref name="name"/>; returns its URL.</summary>
    public async Task<string> CreateQueueAsync(string name)
    {
        using var created = await _sqs.SendAsync("CreateQueue", json => json.WriteString("QueueName", name), CancellationToken.None);
        return created.RootElement.GetProperty("QueueUrl").GetString()!;
    }

    /// <summary>The queue's ARN, as a rule's target names it.</summary>
    public static string ArnOf(string queueUrl) => $"arn:aws:sqs:{MotoServer.Region}:{MotoServer.AccountId}:{queueUrl[(queueUrl.LastIndexOf('/') + 1)..]}";

    /// <summary>Every message body visible now, taken off the queue.</summary>
    public async Task<List<string>> ReceiveAllAsync(string queueUrl)
    {
        var bodies = new List<string>();
        while (await ReceiveAsync(queueUrl, waitSeconds: 0) is { Count: > 0 } messages)
        {
            bodies.AddRange(messages.Select(message => message.Body));
        }

        return bodies;
    }

    /// <summary>Up to 10 visible messages, waiting up to <paramref name="waitSeconds"/> for one (long polling).</summary>
    public async Task<List<SqsMessage>> ReceiveAsync(string queueUrl, int waitSeconds)
    {
        using var answer = await _sqs.SendAsync("ReceiveMessage", json =>
        {
            json.WriteString("QueueUrl", queueUrl);
            json.WriteNumber("MaxNumberOfMessages", 10);
            json.WriteNumber("WaitTimeSeconds", waitSeconds);
        }, CancellationToken.None);
        return answer.RootElement.TryGetProperty("Messages", out var messages)
            ? [.. messages.EnumerateArray().Select(Message)]
            : [];
    }

    /// <summary>Takes a received message off the queue.</summary>
    public async Task DeleteAsync(string queueUrl, SqsMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var _ = await _sqs.SendAsync("DeleteMessage", json =>
        {
            json.WriteString("QueueUrl", queueUrl);
            json.WriteString("ReceiptHandle", message.ReceiptHandle);
        }, CancellationToken.None);
    }

    private static SqsMessage Message(JsonElement message) => new(
        message.GetProperty("MessageId").GetString()!, message.GetProperty("Body").GetString()!, message.GetProperty("ReceiptHandle").GetString()!);
}

/// <summary>A received message: its id, its body, and the handle that deletes it.</summary>
public sealed record SqsMessage(string MessageId, string Body, string ReceiptHandle);
