using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Lambda.EventSources;
using Amazon.CDK.AWS.SQS;
using Ec2Isolation.Aws;

namespace Ec2Isolation.Cdk;

/// <summary>
/// The continuation queue: where an isolation whose network is contained hands the EC2 evidence steps EC2 throttled,
/// so that its invocation ends and its concurrency goes to the next instance's network cut (docs/outbreak.md).
/// </summary>
public sealed partial class Ec2IsolationStack
{
    /// <summary>
    /// Continuations served at once: Lambda's SQS event source allows 2 to 1000
    /// (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html). Few, so that they leave the function's
    /// concurrency to network cuts, and they wait out EC2's throttling in the SDK's retries.
    /// </summary>
    public const int ContinuationConcurrency = 2;

    /// <summary>Deliveries of a continuation before it goes to the dead-letter queue (each one a whole run that failed).</summary>
    public const int ContinuationReceives = 5;

    private void AddContinuations(Function function, int functionTimeoutSeconds, EventBus resultBus)
    {
        var deadLetters = EncryptedQueue("ContinuationDeadLetters");
        var queue = new Queue(this, "Continuations", new QueueProps
        {
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            RetentionPeriod = Duration.Days(4),
            // At least six times the function's timeout, as Lambda advises for an SQS source
            // (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html): a message is not handed out
            // again while a run of it may still go on.
            VisibilityTimeout = Duration.Seconds(6 * functionTimeoutSeconds),
            DeadLetterQueue = new DeadLetterQueue { Queue = deadLetters, MaxReceiveCount = ContinuationReceives },
        });
        // Its depth on the dashboard is an outbreak's backlog of evidence steps.
        _queues.Add(queue);
        function.AddEventSource(new SqsEventSource(queue, new SqsEventSourceProps
        {
            // One continuation per invocation (Core: IsolationEvent.Continuation refuses more).
            BatchSize = 1,
            MaxConcurrency = ContinuationConcurrency,
        }));
        // Sending alone, on this queue alone (the event source's own statement reads and deletes).
        function.Role!.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = [.. RequiredActions.Continuations],
            Resources = [queue.QueueArn],
        }));
        function.AddEnvironment("EC2ISOLATION_CONTINUATION_QUEUE_URL", queue.QueueUrl);
        // A continuation's result goes on the result bus from the function itself: an SQS event source's invocations
        // are synchronous, and Lambda's destination serves asynchronous ones only. Putting, on that bus alone.
        function.Role!.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = [.. RequiredActions.ContinuationResults],
            Resources = [resultBus.EventBusArn],
        }));
        function.AddEnvironment("EC2ISOLATION_RESULT_BUS_NAME", resultBus.EventBusName);
        AddAlarm("ContinuationDeadLettersAlarm", deadLetters.MetricApproximateNumberOfMessagesVisible(),
            "Continuations of isolations (their throttled EC2 evidence steps) that failed every delivery: run isolate on the instances they name");
    }
}
