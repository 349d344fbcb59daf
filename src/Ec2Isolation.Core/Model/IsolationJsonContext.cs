using System.Text.Json.Serialization;

namespace Ec2Isolation.Core.Model;

/// <summary>Source-generated JSON for records and results (no reflection: the Lambda is Native AOT).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false)]
[JsonSerializable(typeof(IsolationRecord))]
public sealed partial class IsolationJsonContext : JsonSerializerContext;
