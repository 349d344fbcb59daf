using System.Text.Json;

namespace Ec2Isolation.Lambda.Tests;

/// <summary>
/// Checks a log line against the rules of "Specification: Embedded metric format"
/// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
/// an <c>_aws</c> object with a Timestamp in milliseconds since the epoch and a non-empty CloudWatchMetrics array of
/// directives; each directive a Namespace, Dimensions (dimension sets of at most 30 names, each naming a root member
/// whose value is a string) and Metrics (at most 100, each a Name naming a root member whose value is a number, or an
/// array of at most 100 numbers, and an optional Unit among CloudWatch's).
/// </summary>
internal static class EmbeddedMetricDocument
{
    private static readonly HashSet<string> Units = new(StringComparer.Ordinal)
    {
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits",
        "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
        "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second",
        "Terabits/Second", "Count/Second", "None",
    };

    /// <summary>What breaks the specification; empty for a valid document.</summary>
    public static IReadOnlyList<string> Problems(JsonElement root)
    {
        var problems = new List<string>();
        if (!root.TryGetProperty("_aws", out var aws) || aws.ValueKind != JsonValueKind.Object)
        {
            return ["no _aws object"];
        }

        // 2000-01-01 in epoch milliseconds: a Timestamp in seconds would be far below it.
        if (!aws.TryGetProperty("Timestamp", out var timestamp) || !timestamp.TryGetInt64(out var ms) || ms < 946_684_800_000)
        {
            problems.Add("Timestamp is not a number of milliseconds since the epoch");
        }

        if (!aws.TryGetProperty("CloudWatchMetrics", out var directives) || directives.ValueKind != JsonValueKind.Array || directives.GetArrayLength() == 0)
        {
            problems.Add("CloudWatchMetrics is not a non-empty array");
            return problems;
        }

        foreach (var directive in directives.EnumerateArray())
        {
            if (!directive.TryGetProperty("Namespace", out var ns) || ns.ValueKind != JsonValueKind.String || ns.GetString() is not { Length: > 0 and <= 255 })
            {
                problems.Add("a directive has no Namespace");
            }

            if (!directive.TryGetProperty("Dimensions", out var sets) || sets.ValueKind != JsonValueKind.Array)
            {
                problems.Add("a directive has no Dimensions array");
            }
            else
            {
                foreach (var set in sets.EnumerateArray())
                {
                    if (set.ValueKind != JsonValueKind.Array || set.GetArrayLength() > 30)
                    {
                        problems.Add("a dimension set is not an array of at most 30 names");
                        continue;
                    }

                    problems.AddRange(set.EnumerateArray()
                        .Where(name => name.ValueKind != JsonValueKind.String || !root.TryGetProperty(name.GetString()!, out var value) || value.ValueKind != JsonValueKind.String)
                        .Select(name => $"dimension {name} has no string member"));
                }
            }

            if (!directive.TryGetProperty("Metrics", out var metrics) || metrics.ValueKind != JsonValueKind.Array || metrics.GetArrayLength() > 100)
            {
                problems.Add("a directive has no Metrics array of at most 100 definitions");
                continue;
            }

            foreach (var metric in metrics.EnumerateArray())
            {
                var name = metric.TryGetProperty("Name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : null;
                if (name is null || !root.TryGetProperty(name, out var value) || !IsMetricValue(value))
                {
                    problems.Add($"metric {name} has no numeric member");
                }

                if (metric.TryGetProperty("Unit", out var unit) && (unit.ValueKind != JsonValueKind.String || !Units.Contains(unit.GetString()!)))
                {
                    problems.Add($"metric {name} has an unknown unit {unit}");
                }
            }
        }

        return problems;
    }

    private static bool IsMetricValue(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number
        || (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() is > 0 and <= 100 && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.Number));

    /// <summary>The directive that names <paramref name="metric"/>.</summary>
    public static JsonElement DirectiveOf(JsonElement root, string metric) =>
        root.GetProperty("_aws").GetProperty("CloudWatchMetrics").EnumerateArray()
            .Single(d => d.GetProperty("Metrics").EnumerateArray().Any(m => m.GetProperty("Name").GetString() == metric));

    /// <summary>The dimension sets of a directive, each joined with commas.</summary>
    public static IReadOnlyList<string> DimensionSets(JsonElement directive) =>
        [.. directive.GetProperty("Dimensions").EnumerateArray().Select(set => string.Join(",", set.EnumerateArray().Select(d => d.GetString())))];

    /// <summary>The unit a directive gives <paramref name="metric"/>.</summary>
    public static string? UnitOf(JsonElement directive, string metric) =>
        directive.GetProperty("Metrics").EnumerateArray().Single(m => m.GetProperty("Name").GetString() == metric).GetProperty("Unit").GetString();
}
