using Amazon.EC2;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Ec2Isolation.Aws.Throttling;
using Ec2Isolation.Core.Metrics;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.Ec2;

/// <summary>
/// The EC2 client, with one handler inside the SDK's retry handler: an attempt EC2 answers with <c>RequestLimitExceeded</c>
/// inside <see cref="Ec2Throttling.YieldScope"/> (from its yield point on) throws <see cref="Ec2ThrottledException"/>, which
/// the retry handler does not retry, so the step gives way; otherwise the retry policy waits the throttling out
/// (<see cref="PatientThrottlingRetryPolicy"/>).
/// EC2 meters each action with its own token bucket and answers <c>RequestLimitExceeded</c> (HTTP 503) when it is empty
/// ("Request throttling for the Amazon EC2 API", https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html).
/// Each throttled attempt is also reported to the run's observer (metrics), by a handler nearer the wire than the
/// yielding one, so a throttle that makes a step give way counts too.
/// </summary>
internal sealed class ThrottleYieldingEc2Client(AWSCredentials credentials, AmazonEC2Config config, IThrottleObserver? observer, ThrottlePatience patience)
    : AmazonEC2Client(credentials, config)
{
    // The SDK builds the pipeline in the base constructor: field initializers are set before it runs.
    private readonly IThrottleObserver? _observer = observer;
    private readonly ThrottlePatience _patience = patience;

    protected override void CustomizeRuntimePipeline(RuntimePipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        base.CustomizeRuntimePipeline(pipeline);
        pipeline.ReplaceHandler<RetryHandler>(new RetryHandler(new PatientThrottlingRetryPolicy(Config, _patience)));
        // Each handler added after the retry handler goes in front of those added before: the observer is added first.
        ThrottleObservingHandler.AddTo(pipeline, _observer);
        pipeline.AddHandlerAfter<RetryHandler>(new YieldOnThrottling(_patience.Time));
    }

    private sealed class YieldOnThrottling(TimeProvider time) : PipelineHandler
    {
        public override async Task<T> InvokeAsync<T>(IExecutionContext executionContext)
        {
            try
            {
                return await base.InvokeAsync<T>(executionContext);
            }
            catch (AmazonEC2Exception e) when (e.ErrorCode == PatientThrottlingRetryPolicy.ThrottledCode && Ec2Throttling.YieldsAt(time.GetUtcNow()))
            {
                throw new Ec2ThrottledException(executionContext.RequestContext.RequestName.Replace("Request", string.Empty, StringComparison.Ordinal), e);
            }
        }
    }
}
