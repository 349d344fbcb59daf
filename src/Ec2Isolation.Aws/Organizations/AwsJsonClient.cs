using System.Collections.Frozen;
using System.Net;
using System.Text.Json;
using Polly;

namespace Ec2Isolation.Aws.Organizations;

/// <summary>
/// A small client for the AWS JSON protocols of services whose SDK packages are not available here: JSON 1.1 (AWS
/// Organizations) and 1.0 (SQS): a POST per action with <c>X-Amz-Target: {prefix}.{action}</c> and REST-JSON (Amazon Inspector:
/// a POST per action to its own path, <see cref="ForRestJson"/>), a JSON body signed by the SigV4 handler in the
/// HttpClient's chain, and the answer read as a <see cref="JsonDocument"/> (no reflection: Native AOT safe).
/// Throttling, server errors and network failures are retried with backoff (<see cref="AwsRetry"/>).
/// </summary>
public sealed class AwsJsonClient
{
    /// <summary>AWS JSON 1.0 (SQS, DynamoDB); 1.1 (Organizations) is the default.</summary>
    public const string Json10 = "application/x-amz-json-1.0";

    private const string Json11 = "application/x-amz-json-1.1";
    private const string RestJsonContentType = "application/json";

    /// <summary>Organizations answers TooManyRequestsException when throttled, ServiceException on its own failures; SQS RequestThrottled.</summary>
    private static readonly FrozenSet<string> RetryableCodes = FrozenSet.ToFrozenSet(
        ["TooManyRequestsException", "ThrottlingException", "ServiceException", "ServiceUnavailable", "InternalFailure", "InternalServerException", "RequestThrottled"]);

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    /// <summary>Null: REST-JSON, where the action is the request path.</summary>
    private readonly string? _targetPrefix;
    private readonly string _contentType;
    private readonly ResiliencePipeline _retry;

    /// <summary>Headers every request carries (REST-JSON: Lambda's X-Amz-Invocation-Type); none by default.</summary>
    private readonly IReadOnlyDictionary<string, string> _headers;

    /// <param name="http">A client whose handler chain signs with SigV4 for the service.</param>
    /// <param name="targetPrefix">The X-Amz-Target prefix, e.g. <c>AWSOrganizationsV20161128</c>.</param>
    /// <param name="contentType">The protocol's content type: <see cref="Json10"/>, or AWS JSON 1.1 when absent.</param>
    public AwsJsonClient(HttpClient http, Uri endpoint, string targetPrefix, TimeProvider timeProvider, string contentType = Json11)
        : this(http, endpoint, timeProvider, targetPrefix ?? throw new ArgumentNullException(nameof(targetPrefix)), contentType)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetPrefix);
    }

    private AwsJsonClient(HttpClient http, Uri endpoint, TimeProvider timeProvider, string? targetPrefix, string contentType, IReadOnlyDictionary<string, string>? headers = null)
    {
        _headers = headers ?? new Dictionary<string, string>();
        _contentType = contentType;
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        _targetPrefix = targetPrefix;
        _retry = AwsRetry.Create(timeProvider, new PredicateBuilder()
            .Handle<HttpRequestException>()
            .Handle<AwsJsonException>(e => (int)e.Status >= 500 || RetryableCodes.Contains(e.Code)));
    }

    /// <summary>
    /// A REST-JSON client: each action is a POST to its own path under <paramref name="endpoint"/> (e.g. Inspector's
    /// <c>coverage/list</c>), with errors named by the <c>x-amzn-ErrorType</c> header
    /// (https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html#operation-error-serialization).
    /// </summary>
    /// <param name="headers">Headers every request carries, beside the signed ones (Lambda's <c>X-Amz-Invocation-Type</c>).</param>
    public static AwsJsonClient ForRestJson(HttpClient http, Uri endpoint, TimeProvider timeProvider, IReadOnlyDictionary<string, string>? headers = null) =>
        new(http, endpoint, timeProvider, targetPrefix: null, RestJsonContentType, headers);

    /// <summary>Sends one action (REST-JSON: its path) with the request members <paramref name="request"/> writes, and returns the answer.</summary>
    public async Task<JsonDocument> SendAsync(string action, Action<Utf8JsonWriter> request, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(action);
        ArgumentNullException.ThrowIfNull(request);
        using var body = new MemoryStream();
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            request(json);
            json.WriteEndObject();
        }

        var payload = body.ToArray();
        return await _retry.ExecuteAsync(async token => await SendOnceAsync(action, payload, token), cancellationToken);
    }

    private async Task<JsonDocument> SendOnceAsync(string action, byte[] payload, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, _targetPrefix is null ? new Uri(_endpoint, action) : _endpoint)
        {
            Content = new ByteArrayContent(payload),
        };
        message.Content.Headers.ContentType = new(_contentType);
        if (_targetPrefix is not null)
        {
            message.Headers.Add("X-Amz-Target", $"{_targetPrefix}.{action}");
        }

        foreach (var (name, value) in _headers)
        {
            message.Headers.Add(name, value);
        }

        using var response = await _http.SendAsync(message, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var answer = TryParse(text);
        if (response.IsSuccessStatusCode && answer is not null)
        {
            return answer;
        }

        using (answer)
        {
            // REST-JSON: x-amzn-ErrorType: "Code[:uri]"; JSON 1.1 (and REST-JSON bodies): {"__type": "[namespace#]Code", "message"|"Message": "..."}
            var root = answer?.RootElement;
            var header = response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.FirstOrDefault()?.Split(':')[0] : null;
            var type = header ?? (root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty("__type", out var t) ? t.GetString() : null);
            var code = type?[(type.IndexOf('#', StringComparison.Ordinal) + 1)..] ?? $"Http{(int)response.StatusCode}";
            var detail = root is { ValueKind: JsonValueKind.Object } o && (o.TryGetProperty("message", out var m) || o.TryGetProperty("Message", out m))
                ? m.GetString()
                : text[..Math.Min(text.Length, 200)];
            throw new AwsJsonException(code, detail ?? string.Empty, response.StatusCode);
        }
    }

    private static JsonDocument? TryParse(string text)
    {
        try
        {
            return JsonDocument.Parse(text.Length == 0 ? "{}" : text);
        }
        catch (JsonException)
        {
            // Not JSON: a proxy's or an emulator's HTML error page.
            return null;
        }
    }
}

/// <summary>An error answer of a JSON-protocol service: its error code (e.g. <c>AccessDeniedException</c>), message and HTTP status.</summary>
public sealed class AwsJsonException(string code, string message, HttpStatusCode status) : Exception($"{code}: {message}")
{
    public string Code { get; } = code;

    public HttpStatusCode Status { get; } = status;
}
