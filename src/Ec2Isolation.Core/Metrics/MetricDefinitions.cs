using Ec2Isolation.Core.Accounts;

namespace Ec2Isolation.Core.Metrics;

/// <summary>
/// Every metric the function publishes through its log (docs/metrics.md): a log message property of one of these names
/// with a number becomes a data point, in <see cref="DeploymentMetrics.Namespace"/>, with the unit and the dimension sets
/// named here (the Lambda's JSON logger writes the CloudWatch embedded metric format metadata). Dimensions take few values
/// (the function's name, the event kind, the outcome): an instance id is a property of the line, never a dimension.
/// </summary>
public static class MetricDefinitions
{
    public const string Milliseconds = "Milliseconds";
    public const string Count = "Count";

    private static readonly IReadOnlyList<IReadOnlyList<string>> ByFunction = [[DeploymentMetrics.FunctionNameDimension]];

    private static readonly IReadOnlyList<IReadOnlyList<string>> ByTrigger =
        [[DeploymentMetrics.FunctionNameDimension], [DeploymentMetrics.FunctionNameDimension, IsolationMetricNames.TriggerDimension]];

    private static readonly IReadOnlyList<IReadOnlyList<string>> ByOutcome =
        [[DeploymentMetrics.FunctionNameDimension], [DeploymentMetrics.FunctionNameDimension, IsolationMetricNames.OutcomeDimension]];

    public static IReadOnlyList<MetricDefinition> All { get; } =
    [
        new(DeploymentMetrics.UncoveredAccountRefusals, Count, ByFunction),
        new(IsolationMetricNames.TimeToContainment, Milliseconds, ByTrigger),
        new(IsolationMetricNames.TimeToIsolation, Milliseconds, ByTrigger),
        new(IsolationMetricNames.ThrottledCalls, Count, ByTrigger),
        new(IsolationMetricNames.Isolations, Count, ByOutcome),
    ];

    private static readonly Dictionary<string, MetricDefinition> ByName = All.ToDictionary(d => d.Name, StringComparer.Ordinal);

    /// <summary>The definition of the metric named <paramref name="name"/>, or null when no metric has that name.</summary>
    public static MetricDefinition? Find(string name) => ByName.GetValueOrDefault(name);
}

/// <param name="Name">The metric, and the log property that carries its value.</param>
/// <param name="Unit">A CloudWatch unit (Count, Milliseconds).</param>
/// <param name="DimensionSets">The dimension sets it is published under; each dimension is a log property with a string value.</param>
public sealed record MetricDefinition(string Name, string Unit, IReadOnlyList<IReadOnlyList<string>> DimensionSets);
