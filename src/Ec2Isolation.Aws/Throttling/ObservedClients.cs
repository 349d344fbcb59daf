using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Ec2Isolation.Core.Metrics;

namespace Ec2Isolation.Aws.Throttling;

// The SDK builds a client's pipeline in its constructor, through CustomizeRuntimePipeline: the observer is a field
// initializer, set before the base constructor runs.

/// <summary>A DynamoDB client whose throttled attempts are reported.</summary>
internal sealed class ObservedDynamoDbClient(AWSCredentials credentials, AmazonDynamoDBConfig config, IThrottleObserver observer)
    : AmazonDynamoDBClient(credentials, config)
{
    private readonly IThrottleObserver _observer = observer;

    protected override void CustomizeRuntimePipeline(RuntimePipeline pipeline)
    {
        base.CustomizeRuntimePipeline(pipeline);
        ThrottleObservingHandler.AddTo(pipeline, _observer);
    }
}
