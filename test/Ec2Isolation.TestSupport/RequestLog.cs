using System.Text;
using System.Text.Json;

namespace Ec2Isolation.TestSupport;

/// <summary>
/// One request moto received: the service it was signed for, its action (Query protocols: the form's Action; JSON
/// protocols: X-Amz-Target) and its form parameters.
/// </summary>
public sealed record RecordedRequest(string Service, string Action, IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>The IAM action it needs, e.g. ec2:ModifyNetworkInterfaceAttribute.</summary>
    public string IamAction => Service + ":" + Action;

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
            var headers = entry.GetProperty("headers").EnumerateObject()
                .ToDictionary(header => header.Name, header => header.Value.GetString() ?? string.Empty, StringComparer.OrdinalIgnoreCase);
            return Describe(headers, body);
        })];
    }

    /// <summary>A request from its headers and body: signing service, action and form parameters.</summary>
    public static RecordedRequest Describe(IReadOnlyDictionary<string, string> headers, string body)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var target = headers.GetValueOrDefault("X-Amz-Target");
        var parameters = target is null ? ParseForm(body ?? string.Empty) : new Dictionary<string, string>();
        var action = target is not null ? target[(target.LastIndexOf('.') + 1)..] : parameters.GetValueOrDefault("Action", string.Empty);
        return new RecordedRequest(SigningService(headers.GetValueOrDefault("Authorization") ?? string.Empty), action, parameters);
    }

    /// <summary>The service in the SigV4 credential scope: Credential=KEY/DATE/REGION/SERVICE/aws4_request.</summary>
    private static string SigningService(string authorization)
    {
        var scope = authorization.Split("Credential=", 2).ElementAtOrDefault(1)?.Split(',')[0].Split('/') ?? [];
        return scope.Length >= 5 ? scope[3] : string.Empty;
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
