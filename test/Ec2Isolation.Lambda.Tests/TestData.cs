using System.Text.Json;
using Ec2Isolation.Core.Events;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Lambda.Tests;

internal static partial class TestData
{
    public const string TagEvent = """{"source":"aws.tag","detail-type":"Tag Change on Resource"}""";

    public static EventResult Isolated(string instanceId = "i-0123456789abcdef0") =>
        new("tag-change", "event-1", "123456789012", "us-east-1", "isolated", $"Isolated {instanceId}.",
            [new InstanceOutcome(instanceId, "isolated", $"Isolated {instanceId}.") { IncidentId = "inc-1" }]);

    /// <summary>Each line of <paramref name="output"/> parsed as one JSON object.</summary>
    public static IReadOnlyList<JsonElement> JsonLines(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    [LoggerMessage(9000, LogLevel.Information, "Isolating {InstanceId} for {Reason}")]
    public static partial void LogIsolating(ILogger logger, string instanceId, string reason);

    [LoggerMessage(9001, LogLevel.Warning, "{Count} of {Total} at {Ratio}, finished {Finished}, snapshots {SnapshotIds}, at {At}, none {Nothing}")]
    public static partial void LogValues(ILogger logger, int count, long total, double ratio, bool finished, IReadOnlyList<string> snapshotIds, DateTimeOffset at, string? nothing);

    [LoggerMessage(9002, LogLevel.Error, "Step failed")]
    public static partial void LogFailure(ILogger logger, Exception exception);
}
