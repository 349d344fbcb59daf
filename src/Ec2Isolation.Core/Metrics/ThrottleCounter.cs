namespace Ec2Isolation.Core.Metrics;

/// <summary>
/// Counts throttled attempts per measured run: <see cref="Measure"/> opens a tally for the calling async flow (and the
/// tasks it starts), so that isolations running side by side (a sweep, a finding naming several instances) each count
/// their own. A throttled attempt outside any tally (a look-up before the run) is not counted.
/// </summary>
public sealed class ThrottleCounter : IThrottleObserver
{
    private readonly AsyncLocal<Tally?> _current = new();

    public void Throttled(string action)
    {
        if (_current.Value is { } tally)
        {
            Interlocked.Increment(ref tally.Count);
        }
    }

    /// <summary>A tally for the calling flow until disposed; the flow's earlier tally, if any, is current again afterwards.</summary>
    public Tally Measure()
    {
        var tally = new Tally(this, _current.Value);
        _current.Value = tally;
        return tally;
    }

    /// <summary>The throttled attempts seen since <see cref="Measure"/>.</summary>
    public sealed class Tally : IDisposable
    {
        private readonly ThrottleCounter _owner;
        private readonly Tally? _outer;
        internal int Count;

        internal Tally(ThrottleCounter owner, Tally? outer)
        {
            _owner = owner;
            _outer = outer;
        }

        public int Throttled => Volatile.Read(ref Count);

        public void Dispose() => _owner._current.Value = _outer;
    }
}
