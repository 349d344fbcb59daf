using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Fakes;

/// <summary>
/// A fake clock whose timers fire at once, the clock moving on by their due time: a retry's backoff takes no real time.
/// Every wait asked for is kept, so that a test can see the backoff.
/// </summary>
internal sealed class ImmediateTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    public ConcurrentQueue<TimeSpan> Waits { get; } = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime > TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            Waits.Enqueue(dueTime);
            // Once the caller holds the timer: advancing inside CreateTimer would fire it before it is returned.
            ThreadPool.QueueUserWorkItem(_ => Advance(dueTime));
        }

        return timer;
    }
}
