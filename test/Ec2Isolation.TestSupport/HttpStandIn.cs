using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Ec2Isolation.TestSupport;

/// <summary>One request a <see cref="HttpStandIn"/> received, as it arrived.</summary>
public sealed record HttpExchange(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body, DateTimeOffset At)
{
    public string? Header(string name) => Headers.GetValueOrDefault(name);
}

/// <summary>What a <see cref="HttpStandIn"/> answers: a status, a body, and headers such as Retry-After.</summary>
public sealed record StandInAnswer(int Status, string Body = "", params (string Name, string Value)[] Headers);

/// <summary>
/// A local HTTP server on 127.0.0.1 and a free port standing in for a web service (Slack's webhooks, Jira's REST API):
/// it keeps every request and answers as the test's script says.
/// </summary>
public sealed class HttpStandIn : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Func<HttpExchange, StandInAnswer> _answer;
    private readonly ConcurrentQueue<HttpExchange> _requests = new();
    private readonly Task _serving;

    private HttpStandIn(HttpListener listener, Uri baseUrl, Func<HttpExchange, StandInAnswer> answer)
    {
        _listener = listener;
        _answer = answer;
        BaseUrl = baseUrl;
        _serving = ServeAsync();
    }

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri BaseUrl { get; }

    public IReadOnlyList<HttpExchange> Requests => [.. _requests];

    /// <param name="answer">The answer to each request; it sees the requests received before it in <see cref="Requests"/>.</param>
    public static HttpStandIn Start(Func<HttpExchange, StandInAnswer> answer)
    {
        var (listener, port) = LoopbackListener.Start();
        return new HttpStandIn(listener, new Uri($"http://127.0.0.1:{port}/"), answer);
    }

    /// <summary>Answers in turn, the last one again for every request after.</summary>
    public static Func<HttpExchange, StandInAnswer> InTurn(params StandInAnswer[] answers)
    {
        var next = -1;
        return _ => answers[Math.Min(Interlocked.Increment(ref next), answers.Length - 1)];
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Close();
        await _serving;
    }

    private async Task ServeAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            // One at a time: the clients under test send one request after another.
            await HandleAsync(context);
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
        var exchange = new HttpExchange(
            request.HttpMethod,
            request.Url!.AbsolutePath,
            request.Headers.AllKeys.OfType<string>().ToDictionary(name => name, name => request.Headers[name] ?? string.Empty, StringComparer.OrdinalIgnoreCase),
            await reader.ReadToEndAsync(),
            TimeProvider.System.GetUtcNow());
        _requests.Enqueue(exchange);
        var answer = _answer(exchange);
        var response = context.Response;
        try
        {
            var bytes = Encoding.UTF8.GetBytes(answer.Body);
            response.StatusCode = answer.Status;
            foreach (var (name, value) in answer.Headers)
            {
                response.AddHeader(name, value);
            }

            response.ContentLength64 = bytes.Length;
            await response.OutputStream.WriteAsync(bytes);
            response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            response.Abort();
        }
    }
}
