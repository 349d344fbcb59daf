namespace Ec2Isolation.Core.Metrics;

/// <summary>The per-isolation metrics (docs/metrics.md; units and dimensions in <see cref="MetricDefinitions"/>).</summary>
public static class IsolationMetricNames
{
    /// <summary>Milliseconds from the event's time to the network contained (the run that contained it).</summary>
    public const string TimeToContainment = "TimeToContainment";

    /// <summary>Milliseconds from the event's time to the isolation complete (the run that completed it).</summary>
    public const string TimeToIsolation = "TimeToIsolation";

    /// <summary>Throttled AWS answers a run met (each retried).</summary>
    public const string ThrottledCalls = "ThrottledCalls";

    /// <summary>1 per isolation run, by <see cref="OutcomeDimension"/>.</summary>
    public const string Isolations = "Isolations";

    public const string TriggerDimension = "Trigger";
    public const string OutcomeDimension = "Outcome";

    /// <summary>The network is contained but a later step failed: the invocation fails and its retry finishes it.</summary>
    public const string Incomplete = "incomplete";

    /// <summary>The run failed before the network was contained (or could not say): the invocation fails.</summary>
    public const string Failed = "failed";
}
