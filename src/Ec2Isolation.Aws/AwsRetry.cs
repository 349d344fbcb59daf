using Polly;
using Polly.Retry;
using Ec2Isolation.Aws.Throttling;
using Ec2Isolation.Core.Metrics;

namespace Ec2Isolation.Aws;

/// <summary>The signed clients' retry: exponential backoff with jitter on the errors each client names, signed afresh each attempt.</summary>
internal static class AwsRetry
{
    /// <summary>
    /// Attempts per action, the first included. Throttling comes in bursts during mass isolation, so like the SDK
    /// clients (<see cref="AwsClientFactory.MaxErrorRetry"/>) this backs off several times before giving up.
    /// </summary>
    public const int MaxAttempts = 8;

    /// <param name="throttledCode">The error code of a failed attempt when it is one (null otherwise): a throttling code is reported to <paramref name="throttles"/>.</param>
    public static ResiliencePipeline Create(
        TimeProvider timeProvider, PredicateBuilder<object> shouldHandle, IThrottleObserver? throttles = null, Func<Exception, string?>? throttledCode = null) =>
        new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = shouldHandle,
                OnRetry = args =>
                {
                    if (throttles is not null && args.Outcome.Exception is { } failure && throttledCode?.Invoke(failure) is { } code && AwsThrottling.IsThrottling(code))
                    {
                        throttles.Throttled(code);
                    }

                    return ValueTask.CompletedTask;
                },
                MaxRetryAttempts = MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(250),
                MaxDelay = TimeSpan.FromSeconds(20),
            })
            .Build();
}
