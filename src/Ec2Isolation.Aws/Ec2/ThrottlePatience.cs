using Ec2Isolation.Core.Isolation;

namespace Ec2Isolation.Aws.Ec2;

/// <summary>
/// How long a call EC2 throttles is tried again, and how soon. EC2 refills each action's bucket at a fixed rate and
/// discards the tokens that arrive while it is full ("Request throttling for the Amazon EC2 API":
/// https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html; a default mutating bucket, 50 tokens at 5 per
/// second, is full again 10 s after its last call). So a throttled call is sent again after at most
/// <see cref="MaxDelay"/> (full jitter), never after the SDK's 20 s: a bucket that several waiting runs share is never
/// left full and idle, and a run gets the next token rather than the one after its backoff. It waits until the Lambda
/// invocation's deadline nears (<see cref="DeadlineReserve"/> before it, to record what holds), or for
/// <see cref="WithoutDeadline"/> outside Lambda; throttling is a pace, not a failure.
/// </summary>
public sealed class ThrottlePatience(TimeProvider time, InvocationDeadline? deadline = null)
{
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan DeadlineReserve = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan WithoutDeadline = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);

    public TimeProvider Time { get; } = time;

    /// <summary>The wait before the <paramref name="attempt"/>th throttled call is sent again: full jitter, doubling up to <see cref="MaxDelay"/>.</summary>
    public static TimeSpan NextDelay(int attempt) =>
        TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, FirstDelay.Ticks << Math.Min(attempt - 1, 10))) * Random.Shared.NextDouble();

    /// <summary>True when a call throttled since <paramref name="since"/> may wait <paramref name="delay"/> and be sent again.</summary>
    public bool Allows(DateTimeOffset since, TimeSpan delay)
    {
        var resent = Time.GetUtcNow() + delay;
        return deadline?.Current is { } end ? resent < end - DeadlineReserve : resent - since <= WithoutDeadline;
    }
}
