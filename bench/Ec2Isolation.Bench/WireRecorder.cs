using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Ec2Isolation.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Bench;

/// <summary>One request as the wire saw it: when it arrived and when its answer had been sent (Stopwatch ticks).</summary>
/// <param name="CallId">
/// The same for every attempt of one call: the SDK's amz-sdk-invocation-id, else (the Query client) the service, action and parameters.
/// </param>
internal sealed record WireCall(RecordedRequest Request, string CallId, long Start, long End, int Status)
{
    public string Action => Request.Action;

    /// <summary>Answered by the <see cref="FaultProxy"/>'s throttling fault (moto itself never answers 503).</summary>
    public bool Throttled => Status == 503;
}

/// <summary>
/// A forwarding proxy on 127.0.0.1 (Kestrel) that timestamps every request from its arrival to the end of its answer.
/// It sits in front of <see cref="FaultProxy"/>, so that injected delays and faults are part of what it times.
/// </summary>
internal sealed class WireRecorder : IAsyncDisposable
{
    private static readonly HttpClient Forwarder = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false });
    private static readonly HashSet<string> HopHeaders = new(["Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length"], StringComparer.OrdinalIgnoreCase);

    private readonly WebApplication _app;
    private readonly Uri _target;
    private readonly ConcurrentQueue<WireCall> _calls = new();

    private WireRecorder(WebApplication app, Uri target)
    {
        _app = app;
        _target = target;
        _app.Run(ForwardAsync);
    }

    public string Endpoint { get; private set; } = string.Empty;

    public static async Task<WireRecorder> StartAsync(string targetEndpoint)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var recorder = new WireRecorder(builder.Build(), new Uri(targetEndpoint));
        await recorder._app.StartAsync();
        recorder.Endpoint = recorder._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return recorder;
    }

    /// <summary>The calls answered since the last call to this method, in arrival order.</summary>
    public IReadOnlyList<WireCall> Take()
    {
        var taken = new List<WireCall>();
        while (_calls.TryDequeue(out var call))
        {
            taken.Add(call);
        }

        return [.. taken.OrderBy(call => call.Start)];
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var start = Stopwatch.GetTimestamp();
        var incoming = context.Request;
        using var body = new MemoryStream();
        await incoming.Body.CopyToAsync(body);
        var headers = incoming.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        using var outgoing = new HttpRequestMessage(new HttpMethod(incoming.Method), new Uri(_target, incoming.Path + incoming.QueryString))
        {
            Content = new ByteArrayContent(body.ToArray()),
        };
        foreach (var (name, value) in headers.Where(h => !HopHeaders.Contains(h.Key)))
        {
            _ = outgoing.Headers.TryAddWithoutValidation(name, value) || outgoing.Content.Headers.TryAddWithoutValidation(name, value);
        }

        using var answer = await Forwarder.SendAsync(outgoing);
        var content = await answer.Content.ReadAsByteArrayAsync();
        context.Response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers).Where(h => !HopHeaders.Contains(h.Key)))
        {
            context.Response.Headers[name] = string.Join(",", values);
        }

        context.Response.ContentLength = content.Length;
        await context.Response.Body.WriteAsync(content);
        await context.Response.CompleteAsync();
        var request = RequestLog.Describe(headers, Encoding.UTF8.GetString(body.ToArray()));
        _calls.Enqueue(new WireCall(request, CallId(request, headers), start, Stopwatch.GetTimestamp(), (int)answer.StatusCode));
    }

    private static string CallId(RecordedRequest request, Dictionary<string, string> headers) =>
        headers.GetValueOrDefault("amz-sdk-invocation-id")
        ?? string.Join('&', request.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value).Prepend(request.Service));
}
