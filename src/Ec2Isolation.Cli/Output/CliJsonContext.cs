using System.Text.Json.Serialization;

namespace Ec2Isolation.Cli.Output;

/// <summary>
/// Source-generated JSON for the CLI's output objects; the records inside them keep the shape of
/// <see cref="Core.Model.IsolationJsonContext"/> (camelCase, no nulls, enums as names).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    WriteIndented = true)]
[JsonSerializable(typeof(ChangeOutput))]
[JsonSerializable(typeof(PlanOutput))]
[JsonSerializable(typeof(StatusOutput))]
[JsonSerializable(typeof(RecordsOutput))]
[JsonSerializable(typeof(ErrorOutput))]
[JsonSerializable(typeof(ApprovalOutput))]
[JsonSerializable(typeof(Core.Events.EventResult))]
[JsonSerializable(typeof(Core.Replacement.ReplacementResult))]
[JsonSerializable(typeof(Aws.DynamoDb.MigrationResult))]
[JsonSerializable(typeof(Core.Isolation.StopResult))]
[JsonSerializable(typeof(Core.Scanning.ScanResult))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
