using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Fakes;

/// <summary>
/// A clock on which every wait (Task.Delay) elapses at once: the clock moves on by the wait, and the wait is recorded.
/// Tests of backoff run without sleeping and see each delay.
/// </summary>
internal sealed class ElapsingTime(DateTimeOffset start) : TimeProvider
{
    private readonly FakeTimeProvider _clock = new(start);

    public List<TimeSpan> Waits { get; } = [];

    public override DateTimeOffset GetUtcNow() => _clock.GetUtcNow();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime == Timeout.InfiniteTimeSpan)
        {
            return _clock.CreateTimer(callback, state, dueTime, period);
        }

        lock (Waits)
        {
            Waits.Add(dueTime);
            _clock.Advance(dueTime);
        }

        ThreadPool.QueueUserWorkItem(_ => callback(state));
        return _clock.CreateTimer(static _ => { }, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }
}
