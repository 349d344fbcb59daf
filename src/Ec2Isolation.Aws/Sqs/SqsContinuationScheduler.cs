using Ec2Isolation.Aws.Organizations;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.Sqs;

/// <summary>
/// Queues continuations in the stack's SQS queue with <c>SendMessage</c> over SQS's JSON protocol (AWS JSON 1.0, target
/// <c>AmazonSQS</c>: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-faqs.html),
/// signed by the SigV4 handler; no SQS SDK package is needed. A message is at most 256 KiB (ours is under 300 bytes):
/// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html. Throttling and server
/// errors are retried (<see cref="AwsRetry"/>); any other refusal (AccessDenied, a deleted queue) is thrown.
/// </summary>
public sealed class SqsContinuationScheduler(AwsJsonClient sqs, string queueUrl) : IContinuationScheduler
{
    public const string TargetPrefix = "AmazonSQS";

    /// <summary>The scheduler for <paramref name="queueUrl"/>, with the deployment's own credentials and endpoint.</summary>
    public static SqsContinuationScheduler Create(AwsClientFactory clients, string queueUrl, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(clients);
        return new SqsContinuationScheduler(
            new AwsJsonClient(clients.CreateSignedHttpClient("sqs"), clients.ResolveQueryEndpoint("sqs", "SQS"), TargetPrefix, time, AwsJsonClient.Json10), queueUrl);
    }

    public async Task ScheduleAsync(Continuation continuation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        var body = continuation.ToMessageBody();
        using var answer = await sqs.SendAsync("SendMessage", json =>
        {
            json.WriteString("QueueUrl", queueUrl);
            json.WriteString("MessageBody", body);
        }, cancellationToken);
    }
}
