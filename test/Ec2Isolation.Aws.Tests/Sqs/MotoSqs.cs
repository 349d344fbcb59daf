using Amazon.Runtime.Signing;
using Ec2Isolation.Aws.Organizations;
using Ec2Isolation.Aws.Sqs;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Sqs;

/// <summary>SQS queues of moto, read as a test's observer: over SQS's JSON protocol (AWS JSON 1.0), signed for <c>sqs</c>.</summary>
internal sealed class MotoSqs(MotoServer moto, AwsClientFactory clients)
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
        while (true)
        {
            using var answer = await _sqs.SendAsync("ReceiveMessage", json =>
            {
                json.WriteString("QueueUrl", queueUrl);
                json.WriteNumber("MaxNumberOfMessages", 10);
            }, CancellationToken.None);
            if (!answer.RootElement.TryGetProperty("Messages", out var messages) || messages.GetArrayLength() == 0)
            {
                return bodies;
            }

            bodies.AddRange(messages.EnumerateArray().Select(message => message.GetProperty("Body").GetString()!));
        }
    }
}
