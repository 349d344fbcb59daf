using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.SQS;
using Constructs;

namespace Ec2Isolation.Cdk;

/// <summary>What keeps an undelivered event from being lost silently: a queue that holds it, and an alarm on that queue.</summary>
internal static class DeadLetters
{
    /// <summary>A standard queue (EventBridge refuses FIFO dead-letter queues), SQS-encrypted, refusing requests without TLS.</summary>
    public static Queue EncryptedQueue(Construct scope, string id) => new(scope, id, new QueueProps
    {
        Encryption = QueueEncryption.SQS_MANAGED,
        EnforceSSL = true,
        RetentionPeriod = Duration.Days(14),
    });

    /// <summary>An alarm as soon as the metric is above zero.</summary>
    public static Alarm Alarm(Construct scope, string id, IMetric metric, string description) => new(scope, id, new AlarmProps
    {
        AlarmDescription = description,
        Metric = metric,
        Threshold = 0,
        ComparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
        EvaluationPeriods = 1,
        TreatMissingData = TreatMissingData.NOT_BREACHING,
    });
}
