using Ec2Isolation.Core.Model;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Metrics;

/// <summary>
/// Measures the isolation runs of an event handler and logs each one's measurement (event 2010), which the Lambda's
/// JSON log turns into metrics (<see cref="MetricDefinitions"/>): the run's throttled calls (through
/// <see cref="ThrottleCounter"/>) and, from the event's time, when the run contained the network and when it completed
/// the isolation. A time is measured only by the run that reached it (the record's
/// <see cref="IsolationRecord.NetworkContainedAt"/> or <see cref="IsolationRecord.IsolatedAt"/> at or after the run's
/// start): a retry finishing a failed run's isolation does not count the containment again, so percentiles are of
/// isolations, not of invocations.
/// </summary>
internal sealed partial class IsolationMetering(ILogger logger, ThrottleCounter? throttles, TimeProvider time)
{
    private ILogger Logger { get; } = logger;

    /// <summary>A run's measurement until it ends.</summary>
    public Run Start(string trigger, DateTimeOffset? eventTime) => new(this, trigger, eventTime, time.GetUtcNow(), throttles?.Measure());

    internal sealed class Run(IsolationMetering owner, string trigger, DateTimeOffset? eventTime, DateTimeOffset started, ThrottleCounter.Tally? tally)
        : IDisposable
    {
        /// <summary>Logs the run's outcome, with what <paramref name="record"/> says this run reached.</summary>
        public void Ended(string outcome, string instanceId, IsolationRecord? record) =>
            Measured(
                owner.Logger,
                isolations: 1,
                instanceId,
                trigger,
                outcome,
                Since(record?.NetworkContainedAt),
                outcome == Events.Outcomes.Isolated ? Since(record?.IsolatedAt) : null,
                tally?.Throttled ?? 0);

        public void Dispose() => tally?.Dispose();

        /// <summary>Whole milliseconds from the event to <paramref name="reached"/>, when this run reached it; never negative (clocks differ).</summary>
        private double? Since(DateTimeOffset? reached) =>
            reached is { } at && at >= started && eventTime is { } from ? Math.Max(0, Math.Round((at - from).TotalMilliseconds)) : null;
    }

    [LoggerMessage(2010, LogLevel.Information,
        "{Isolations} isolation run of {InstanceId} for a {Trigger} event: {Outcome}; network contained {TimeToContainment} ms and isolation complete {TimeToIsolation} ms after the event (null: not by this run); {ThrottledCalls} throttled calls")]
    private static partial void Measured(
        ILogger logger, int isolations, string instanceId, string trigger, string outcome, double? timeToContainment, double? timeToIsolation, int throttledCalls);
}
