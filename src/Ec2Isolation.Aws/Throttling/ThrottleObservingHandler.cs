using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Ec2Isolation.Core.Metrics;

namespace Ec2Isolation.Aws.Throttling;

/// <summary>
/// A handler of an SDK client's pipeline, placed inside its retry handler so that it sees every attempt: a throttled
/// attempt is reported, then goes on to the retry handler, which decides as before.
/// </summary>
internal sealed class ThrottleObservingHandler(IThrottleObserver observer) : PipelineHandler
{
    public override void InvokeSync(IExecutionContext executionContext)
    {
        try
        {
            base.InvokeSync(executionContext);
        }
        catch (AmazonServiceException e) when (Observed(executionContext, e))
        {
            throw;
        }
    }

    public override async Task<T> InvokeAsync<T>(IExecutionContext executionContext)
    {
        try
        {
            return await base.InvokeAsync<T>(executionContext);
        }
        catch (AmazonServiceException e) when (Observed(executionContext, e))
        {
            throw;
        }
    }

    /// <summary>Reports a throttled attempt; always false, so that the exception flows on untouched.</summary>
    private bool Observed(IExecutionContext executionContext, AmazonServiceException e)
    {
        if (AwsThrottling.IsThrottling(e.ErrorCode))
        {
            observer.Throttled(executionContext.RequestContext.RequestName);
        }

        return false;
    }

    /// <summary>Adds the handler inside the pipeline's retry handler (https://docs.aws.amazon.com/sdk-for-net/v4/developer-guide/retries-timeouts.html).</summary>
    public static void AddTo(RuntimePipeline pipeline, IThrottleObserver? observer)
    {
        if (observer is not null)
        {
            pipeline.AddHandlerAfter<RetryHandler>(new ThrottleObservingHandler(observer));
        }
    }
}
