using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Ec2Isolation.Lambda.Runtime;

/// <summary><see cref="ILambdaRuntimeApi"/> over HTTP at <c>$AWS_LAMBDA_RUNTIME_API</c> (host:port).</summary>
public sealed class LambdaRuntimeApiClient : ILambdaRuntimeApi, IDisposable
{
    public const string EndpointVariable = "AWS_LAMBDA_RUNTIME_API";
    public const string RequestIdHeader = "Lambda-Runtime-Aws-Request-Id";
    public const string DeadlineHeader = "Lambda-Runtime-Deadline-Ms";
    public const string FunctionArnHeader = "Lambda-Runtime-Invoked-Function-Arn";
    public const string TraceIdHeader = "Lambda-Runtime-Trace-Id";
    public const string ErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";

    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private readonly HttpClient _http;

    /// <param name="endpoint">host:port, as in AWS_LAMBDA_RUNTIME_API.</param>
    public LambdaRuntimeApiClient(string endpoint)
    {
        // /next blocks until an event arrives: no client timeout. The Runtime API is local: no proxy.
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = new Uri($"http://{endpoint}/2018-06-01/runtime/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public async Task<LambdaInvocation> NextInvocationAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri("invocation/next", UriKind.Relative), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw Unexpected("invocation/next", response.StatusCode, body);
        }

        var requestId = Header(response, RequestIdHeader)
            ?? throw new LambdaRuntimeApiException($"invocation/next answered without a {RequestIdHeader} header");
        var deadline = long.TryParse(Header(response, DeadlineHeader), NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds)
            ? DateTimeOffset.FromUnixTimeMilliseconds(milliseconds)
            : (DateTimeOffset?)null;
        return new LambdaInvocation(requestId, body, deadline, Header(response, FunctionArnHeader), Header(response, TraceIdHeader));
    }

    public Task SendResponseAsync(string requestId, string responseJson, CancellationToken cancellationToken) =>
        PostAsync($"invocation/{Uri.EscapeDataString(requestId)}/response", responseJson, errorType: null, cancellationToken);

    public Task SendErrorAsync(string requestId, LambdaError lambdaError, CancellationToken cancellationToken) =>
        PostErrorAsync($"invocation/{Uri.EscapeDataString(requestId)}/error", lambdaError, cancellationToken);

    public Task SendInitErrorAsync(LambdaError lambdaError, CancellationToken cancellationToken) =>
        PostErrorAsync("init/error", lambdaError, cancellationToken);

    public void Dispose() => _http.Dispose();

    private async Task PostAsync(string path, string json, string? errorType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(json, Encoding.UTF8, Json),
        };
        if (errorType is not null)
        {
            request.Headers.TryAddWithoutValidation(ErrorTypeHeader, errorType);
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw Unexpected(path, response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        }
    }

    private Task PostErrorAsync(string path, LambdaError lambdaError, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lambdaError);
        var json = JsonSerializer.Serialize(new ErrorPayload(lambdaError.ErrorMessage, lambdaError.ErrorType, []), RuntimeJsonContext.Default.ErrorPayload);
        return PostAsync(path, json, lambdaError.ErrorType, cancellationToken);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static LambdaRuntimeApiException Unexpected(string path, HttpStatusCode status, string body) =>
        new($"The Runtime API answered {(int)status} {status} to {path}: {body}", status);
}
