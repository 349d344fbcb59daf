using System.Text.Json.Nodes;

namespace Ec2Isolation.Cdk.Tests;

/// <summary>JSON text as the values CDK assertions take: dictionaries, arrays, strings, numbers, booleans.</summary>
internal static class CdkJson
{
    public static Dictionary<string, object> Object(string json) => (Dictionary<string, object>)Value(JsonNode.Parse(json))!;

    private static object? Value(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => Value(p.Value)!),
        JsonArray a => a.Select(Value).ToArray(),
        JsonValue v when v.TryGetValue(out string? text) => text,
        JsonValue v when v.TryGetValue(out bool flag) => flag,
        _ => node.GetValue<double>(),
    };
}
