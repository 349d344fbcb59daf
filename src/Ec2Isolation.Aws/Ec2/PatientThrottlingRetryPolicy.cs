using Amazon.Runtime;
using Amazon.Runtime.Internal;

namespace Ec2Isolation.Aws.Ec2;

/// <summary>
/// The SDK's standard retry mode, except for EC2's <c>RequestLimitExceeded</c>: a throttled call is sent again as
/// <see cref="ThrottlePatience"/> says (short jittered waits until the invocation's deadline nears), and without drawing
/// on the standard mode's retry quota. That quota is one per endpoint for the whole process (500, 5 per retry,
/// https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html): in an outbreak a Lambda environment that
/// served a few throttled runs would have none left, and its next network cut would fail at the first throttled answer.
/// Other errors are retried as before, up to <see cref="RetryPolicy.MaxRetries"/> times.
/// </summary>
internal sealed class PatientThrottlingRetryPolicy(IClientConfig config, ThrottlePatience patience) : StandardRetryPolicy(config)
{
    public const string ThrottledCode = "RequestLimitExceeded";

    private const string StateKey = "ec2-isolation.throttled";

    // The limit depends on the error, which this check does not see: RetryForException decides, for each kind.
    public override bool RetryLimitReached(IExecutionContext executionContext) => false;

    public override async Task<bool> RetryForExceptionAsync(IExecutionContext executionContext, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(executionContext);
        return Throttled(executionContext, exception) is { } throttled
            ? throttled
            : OtherRetries(executionContext) < MaxRetries && await base.RetryForExceptionAsync(executionContext, exception);
    }

    public override bool RetryForException(IExecutionContext executionContext, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(executionContext);
        return Throttled(executionContext, exception) ?? (OtherRetries(executionContext) < MaxRetries && base.RetryForException(executionContext, exception));
    }

    public override bool OnRetry(IExecutionContext executionContext, bool bypassAcquireCapacity, bool isThrottlingError) =>
        State(executionContext) is { LastThrottled: true } || base.OnRetry(executionContext, bypassAcquireCapacity, isThrottlingError);

    public override Task WaitBeforeRetryAsync(IExecutionContext executionContext) =>
        State(executionContext) is { LastThrottled: true } state
            ? Task.Delay(state.Delay, patience.Time, executionContext.RequestContext.CancellationToken)
            : base.WaitBeforeRetryAsync(executionContext);

    public override void WaitBeforeRetry(IExecutionContext executionContext)
    {
        if (State(executionContext) is { LastThrottled: true })
        {
            WaitBeforeRetryAsync(executionContext).GetAwaiter().GetResult();
            return;
        }

        base.WaitBeforeRetry(executionContext);
    }

    /// <summary>For EC2's throttling, whether to send the call again (and after what wait); null for any other error.</summary>
    private bool? Throttled(IExecutionContext executionContext, Exception exception)
    {
        var state = State(executionContext);
        if (exception is not AmazonServiceException { ErrorCode: ThrottledCode })
        {
            state?.LastThrottled = false;
            return null;
        }

        if (state is null)
        {
            state = new ThrottledCall(patience.Time.GetUtcNow());
            executionContext.RequestContext.ContextAttributes[StateKey] = state;
        }

        state.LastThrottled = true;
        state.Attempts++;
        state.Delay = ThrottlePatience.NextDelay(state.Attempts);
        return patience.Allows(state.Since, state.Delay);
    }

    private static int OtherRetries(IExecutionContext executionContext) =>
        executionContext.RequestContext.Retries - (State(executionContext)?.Attempts ?? 0);

    private static ThrottledCall? State(IExecutionContext executionContext) =>
        executionContext.RequestContext.ContextAttributes.TryGetValue(StateKey, out var state) ? state as ThrottledCall : null;

    private sealed class ThrottledCall(DateTimeOffset since)
    {
        public DateTimeOffset Since { get; } = since;

        public int Attempts { get; set; }

        public TimeSpan Delay { get; set; }

        public bool LastThrottled { get; set; }
    }
}
