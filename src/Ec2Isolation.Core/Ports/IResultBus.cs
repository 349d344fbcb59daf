namespace Ec2Isolation.Core.Ports;

/// <summary>
/// The stack's result event bus, for the results Lambda's on-success destination does not carry: those of the
/// invocations Lambda's SQS event source makes (the continuation queue's), which are synchronous, and destinations
/// serve asynchronous invocations only (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
/// </summary>
public interface IResultBus
{
    /// <summary>Puts one event (<paramref name="detail"/>, a JSON object) on the bus; throws when EventBridge refused it.</summary>
    Task PutAsync(string detailType, string detail, IReadOnlyList<string> resources, CancellationToken cancellationToken);
}
