using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Ec2Isolation.TestSupport;

/// <summary>What the proxy does to one request: nothing (forward it), delay it, or answer it with an AWS error.</summary>
public abstract record Fault
{
    /// <summary>Waits, then forwards.</summary>
    public sealed record Delay(TimeSpan Duration) : Fault;

    /// <summary>Answers with this status and a Query-protocol (XML) or JSON-protocol error body, and never forwards.</summary>
    public sealed record Answer(HttpStatusCode Status, string Code) : Fault;

    /// <summary>EC2's throttling answer.</summary>
    public static Answer Throttling { get; } = new(HttpStatusCode.ServiceUnavailable, "RequestLimitExceeded");

    public static Answer InternalError { get; } = new(HttpStatusCode.InternalServerError, "InternalError");
}

/// <summary>
/// A proxy on 127.0.0.1 between the SDK clients and moto that injects faults: point AWS_ENDPOINT_URL (or a client
/// factory) at <see cref="Endpoint"/>, and give <see cref="Rule"/> a function that picks a fault per request (by its
/// signing service and action) or null to forward it untouched. Counts what it saw and what it injected.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private static readonly HttpClient Forwarder = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false });

    private readonly HttpListener _listener;
    private readonly Uri _target;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _serving;

    private FaultProxy(HttpListener listener, string endpoint, Uri target)
    {
        _listener = listener;
        _target = target;
        Endpoint = endpoint;
        _serving = ServeAsync();
    }

    public string Endpoint { get; }

    /// <summary>Picks the fault for a request; null forwards it. Called concurrently.</summary>
    public Func<RecordedRequest, Fault?> Rule { get; set; } = _ => null;

    /// <summary>Every request seen, in arrival order, with the fault injected (null when forwarded untouched).</summary>
    public ConcurrentQueue<(RecordedRequest Request, Fault? Fault)> Seen { get; } = new();

    public static FaultProxy Start(string targetEndpoint)
    {
        var (listener, port) = LoopbackListener.Start();
        return new FaultProxy(listener, $"http://127.0.0.1:{port}", new Uri(targetEndpoint));
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _serving;
        _listener.Close();
        _stopping.Dispose();
    }

    private async Task ServeAsync()
    {
        var handling = new List<Task>();
        while (!_stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                break;
            }

            handling.Add(HandleAsync(context));
        }

        await Task.WhenAll(handling);
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        var bytes = body.ToArray();
        var headers = context.Request.Headers.AllKeys.OfType<string>().ToDictionary(key => key, key => context.Request.Headers[key]!, StringComparer.OrdinalIgnoreCase);
        var request = RequestLog.Describe(headers, Encoding.UTF8.GetString(bytes));
        var fault = Rule(request);
        Seen.Enqueue((request, fault));
        try
        {
            if (fault is Fault.Answer error)
            {
                await AnswerAsync(context.Response, error, isJson: headers.ContainsKey("X-Amz-Target"));
                context.Response.Close();
                return;
            }

            if (fault is Fault.Delay delay)
            {
                await Task.Delay(delay.Duration);
            }

            await ForwardAsync(context, headers, bytes);
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
        {
            // The client gave up waiting (a cancelled run): there is no one left to answer.
        }
    }

    private async Task ForwardAsync(HttpListenerContext context, Dictionary<string, string> headers, byte[] body)
    {
        using var forward = new HttpRequestMessage(new HttpMethod(context.Request.HttpMethod), new Uri(_target, context.Request.RawUrl));
        forward.Content = new ByteArrayContent(body);
        foreach (var (name, value) in headers.Where(h => !h.Key.Equals("Host", StringComparison.OrdinalIgnoreCase)))
        {
            if (!forward.Headers.TryAddWithoutValidation(name, value))
            {
                forward.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await Forwarder.SendAsync(forward);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers)
            .Where(h => !h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && !h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)))
        {
            context.Response.Headers[header.Key] = string.Join(",", header.Value);
        }

        var content = await response.Content.ReadAsByteArrayAsync();
        context.Response.ContentLength64 = content.Length;
        await context.Response.OutputStream.WriteAsync(content);
    }

    private static async Task AnswerAsync(HttpListenerResponse response, Fault.Answer error, bool isJson)
    {
        var body = isJson
            ? $$"""{"__type":"{{error.Code}}","message":"injected by the fault proxy"}"""
            : $"<Response><Errors><Error><Code>{error.Code}</Code><Message>injected by the fault proxy</Message></Error></Errors><RequestID>fault</RequestID></Response>";
        var bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = (int)error.Status;
        response.ContentType = isJson ? "application/x-amz-json-1.0" : "text/xml";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
    }
}
