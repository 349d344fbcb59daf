using Polly;
using Polly.Retry;

namespace Ec2Isolation.Aws;

/// <summary>The signed clients' retry: exponential backoff with jitter on the errors each client names, signed afresh each attempt.</summary>
internal static class AwsRetry
{
    /// <summary>
    /// Attempts per action, the first included. Throttling comes in bursts during mass isolation, so like the SDK
    /// clients (<see cref="AwsClientFactory.MaxErrorRetry"/>) this backs off several times before giving up.
    /// </summary>
    public const int MaxAttempts = 8;

    public static ResiliencePipeline Create(TimeProvider timeProvider, PredicateBuilder<object> shouldHandle) =>
        new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = shouldHandle,
                MaxRetryAttempts = MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(250),
                MaxDelay = TimeSpan.FromSeconds(20),
            })
            .Build();
}
