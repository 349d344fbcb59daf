using System.Text;
using System.Text.Json;
using Ec2Isolation.Core.Approvals;

namespace Ec2Isolation.Lambda;

/// <summary>
/// An HTTP request through the function's URL, which Lambda hands on in API Gateway's payload format 2.0: <c>version</c>
/// "2.0", <c>requestContext.http.method</c>, <c>headers</c> (names in lowercase), <c>body</c>, base64 when
/// <c>isBase64Encoded</c>; the function answers <c>statusCode</c>, <c>headers</c> and <c>body</c>
/// (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads). EventBridge events have none of
/// <c>requestContext</c> and <c>version</c> "2.0", so the two never mix.
/// </summary>
internal static class FunctionUrlEvent
{
    /// <summary>The request, or null when <paramref name="json"/> is not a Function URL event (an EventBridge event).</summary>
    public static HttpRequestData? TryParse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0"
                || !root.TryGetProperty("requestContext", out var context) || context.ValueKind != JsonValueKind.Object
                || !context.TryGetProperty("http", out var http) || http.ValueKind != JsonValueKind.Object
                || !http.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            var headers = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("headers", out var given) && given.ValueKind == JsonValueKind.Object)
            {
                foreach (var header in given.EnumerateObject().Where(h => h.Value.ValueKind == JsonValueKind.String))
                {
                    headers[header.Name.ToLowerInvariant()] = header.Value.GetString()!;
                }
            }

            var body = root.TryGetProperty("body", out var raw) && raw.ValueKind == JsonValueKind.String ? raw.GetString()! : string.Empty;
            if (root.TryGetProperty("isBase64Encoded", out var encoded) && encoded.ValueKind == JsonValueKind.True)
            {
                body = Encoding.UTF8.GetString(Convert.FromBase64String(body));
            }

            return new HttpRequestData(method.GetString()!, headers, body);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The function's answer in payload format 2.0: plain text.</summary>
    public static string Response(HttpAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("statusCode", answer.StatusCode);
            writer.WriteStartObject("headers");
            writer.WriteString("content-type", "text/plain; charset=utf-8");
            writer.WriteEndObject();
            writer.WriteString("body", answer.Body);
            writer.WriteBoolean("isBase64Encoded", false);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
