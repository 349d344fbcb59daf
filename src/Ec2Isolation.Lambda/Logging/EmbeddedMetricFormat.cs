using System.Text.Json.Serialization;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Metrics;

namespace Ec2Isolation.Lambda.Logging;

/// <summary>
/// The <c>_aws</c> member that makes a JSON log line a CloudWatch embedded metric format document ("Specification:
/// Embedded metric format", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
/// a Timestamp in milliseconds since the epoch, and directives naming the line's members that are metric values (numbers)
/// and dimensions (strings). A directive holds at most 100 metrics and a dimension set at most 30 dimensions; ours hold
/// at most 4 and 2. Metrics that share their dimension sets share a directive. Source-generated JSON: the Lambda is Native AOT.
/// </summary>
internal sealed record EmfMetadata(long Timestamp, IReadOnlyList<EmfDirective> CloudWatchMetrics)
{
    /// <summary>
    /// The metadata for the metrics among <paramref name="properties"/> (numeric values of <see cref="MetricDefinitions"/>'
    /// names), under the dimension sets whose every member is a string property; null when there are none.
    /// </summary>
    public static EmfMetadata? For(IReadOnlyDictionary<string, object?> properties, DateTimeOffset now)
    {
        var directives = properties
            .Where(p => p.Value is int or long or double)
            .Select(p => MetricDefinitions.Find(p.Key))
            .OfType<MetricDefinition>()
            .Select(d => (Definition: d, Sets: d.DimensionSets.Where(set => set.All(name => properties.GetValueOrDefault(name) is string)).ToList()))
            .Where(m => m.Sets.Count > 0)
            .GroupBy(m => string.Join(";", m.Sets.Select(set => string.Join(",", set))), StringComparer.Ordinal)
            .Select(group => new EmfDirective(
                DeploymentMetrics.Namespace,
                group.First().Sets,
                [.. group.Select(m => new EmfMetric(m.Definition.Name, m.Definition.Unit))]))
            .ToList();
        return directives.Count == 0 ? null : new EmfMetadata(now.ToUnixTimeMilliseconds(), directives);
    }
}

internal sealed record EmfDirective(string Namespace, IReadOnlyList<IReadOnlyList<string>> Dimensions, IReadOnlyList<EmfMetric> Metrics);

internal sealed record EmfMetric(string Name, string Unit);

[JsonSerializable(typeof(EmfMetadata))]
internal sealed partial class EmfJsonContext : JsonSerializerContext;
