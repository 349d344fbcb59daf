using System.Text;
using System.Text.Json;

namespace Ec2Isolation.TestSupport;

/// <summary>One request moto received: its action (Query protocols: the form's Action; JSON protocols: X-Amz-Target) and form parameters.</summary>
public sealed record RecordedRequest(string Action, IReadOnlyDictionary<string, string> Parameters)
{
    private static readonly string[] ReadPrefixes = ["Describe", "Get", "List", "Scan", "Query", "BatchGet"];

    /// <summary>True for a call that changes something (anything but a read).</summary>
    public bool IsMutation => !ReadPrefixes.Any(prefix => Action.StartsWith(prefix, StringComparison.Ordinal));

    public string? Parameter(string name) => Parameters.GetValueOrDefault(name);
}

/// <summary>Reads moto's request recording (JSON lines of headers, method, url, body) into requests, in arrival order.</summary>
public static class RequestLog
{
    public static IReadOnlyList<RecordedRequest> Parse(string recording)
    {
        ArgumentNullException.ThrowIfNull(recording);
        return [.. recording.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
        {
            var entry = JsonDocument.Parse(line).RootElement;
            var body = entry.TryGetProperty("body", out var raw) && raw.GetString() is { } text ? Decode(entry, text) : string.Empty;
            var target = entry.GetProperty("headers").TryGetProperty("X-Amz-Target", out var header) ? header.GetString() : null;
            var parameters = target is null ? ParseForm(body) : new Dictionary<string, string>();
            var action = target is not null ? target[(target.LastIndexOf('.') + 1)..] : parameters.GetValueOrDefault("Action", string.Empty);
            return new RecordedRequest(action, parameters);
        })];
    }

    private static string Decode(JsonElement entry, string body) =>
        entry.TryGetProperty("body_encoded", out var encoded) && encoded.ValueKind == JsonValueKind.False
            ? body
            : Encoding.UTF8.GetString(Convert.FromBase64String(body));

    private static Dictionary<string, string> ParseForm(string body) =>
        body.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .GroupBy(pair => Uri.UnescapeDataString(pair[0].Replace('+', ' ')), StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => Uri.UnescapeDataString((group.First().ElementAtOrDefault(1) ?? string.Empty).Replace('+', ' ')));
}
