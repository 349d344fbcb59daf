using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Tests.Fakes;

/// <summary>
/// EC2's per-action token buckets, as far as the engine sees them: an action whose bucket is empty answers
/// <c>RequestLimitExceeded</c> ("Request throttling for the Amazon EC2 API": each action is metered on its own,
/// https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html). The adapter retries it (the SDK's standard
/// (<c>PatientThrottlingRetryPolicy</c>), so outside a yield scope the call succeeds after its retries; inside
/// <see cref="Ec2Throttling.YieldScope"/>, from its yield point on (by <see cref="Time"/>), the adapter throws
/// <see cref="Ec2ThrottledException"/> instead, as <c>ThrottleYieldingEc2Client</c> does.
/// </summary>
internal sealed partial class FakeCloud : IContinuationScheduler
{
    /// <summary>Call names (as in <see cref="Calls"/>, prefix match) whose EC2 bucket is empty.</summary>
    public HashSet<string> ThrottledActions { get; } = [];

    /// <summary>Calls EC2 answered RequestLimitExceeded, retried or given way.</summary>
    public int ThrottledAnswers { get; private set; }

    /// <summary>Continuations queued, in order; <see cref="ContinuationRefusal"/> makes the queue refuse them.</summary>
    public List<Continuation> Continuations { get; } = [];

    public Exception? ContinuationRefusal { get; set; }

    /// <summary>The clock a yield point is read against (the test's).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    public Task ScheduleAsync(Continuation continuation, CancellationToken cancellationToken)
    {
        Calls.Enqueue("SendMessage");
        if (ContinuationRefusal is { } refusal)
        {
            throw refusal;
        }

        lock (_lock)
        {
            Continuations.Add(continuation);
        }

        return Task.CompletedTask;
    }

    private void ThrowIfThrottled(string name)
    {
        if (!ThrottledActions.Any(action => name.StartsWith(action, StringComparison.Ordinal)))
        {
            return;
        }

        ThrottledAnswers++;
        if (Ec2Throttling.YieldsAt(Time.GetUtcNow()))
        {
            throw new Ec2ThrottledException(name, new InvalidOperationException("RequestLimitExceeded: Request limit exceeded."));
        }
    }
}
