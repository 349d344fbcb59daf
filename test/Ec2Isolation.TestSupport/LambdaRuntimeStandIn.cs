using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Threading.Channels;

namespace Ec2Isolation.TestSupport;

/// <summary>What the function posted for one invocation (or for start-up): its body and headers.</summary>
/// <param name="IsError">True for <c>/error</c> and <c>/init/error</c>, false for <c>/response</c>.</param>
public sealed record LambdaOutcome(string RequestId, bool IsError, string Body, IReadOnlyDictionary<string, string> Headers)
{
    public string? ErrorTypeHeader => Headers.GetValueOrDefault("Lambda-Runtime-Function-Error-Type");
}

/// <summary>
/// A local stand-in for the Lambda Runtime API (2018-06-01) on 127.0.0.1 and a free port: point
/// AWS_LAMBDA_RUNTIME_API at <see cref="Endpoint"/>, queue events with <see cref="Enqueue"/>, await what the function
/// posted with <see cref="WaitForOutcomeAsync"/> and <see cref="WaitForInitErrorAsync"/>. <c>/next</c> blocks until an
/// event is queued, as Lambda's does.
/// </summary>
public sealed class LambdaRuntimeStandIn : IAsyncDisposable
{
    public const string FunctionArn = "arn:aws:lambda:us-east-1:123456789012:function:ec2-isolation";
    private const string InitErrorKey = "init";
    private const string Prefix = "/2018-06-01/runtime/";

    private readonly HttpListener _listener;
    private readonly TimeProvider _time;
    private readonly Channel<QueuedEvent> _events = Channel.CreateUnbounded<QueuedEvent>();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<LambdaOutcome>> _outcomes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _delivered = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _serving;

    private LambdaRuntimeStandIn(HttpListener listener, string endpoint, TimeProvider time)
    {
        _listener = listener;
        _time = time;
        Endpoint = endpoint;
        _serving = ServeAsync();
    }

    /// <summary>host:port, the value for AWS_LAMBDA_RUNTIME_API.</summary>
    public string Endpoint { get; }

    /// <summary>How many events the function has taken with <c>/next</c>.</summary>
    public int DeliveredCount => _delivered.Count;

    /// <summary>
    /// When set, <c>/response</c> and <c>/error</c> are still recorded but answered with this status: 500 is Lambda's
    /// "Container error. Non-recoverable state. Runtime should exit promptly."
    /// </summary>
    public HttpStatusCode? OutcomeStatus { get; set; }

    /// <param name="time">The clock the deadlines are computed with (a fake one in tests of deadline handling).</param>
    public static LambdaRuntimeStandIn Start(TimeProvider? time = null)
    {
        var (listener, port) = LoopbackListener.Start();
        return new LambdaRuntimeStandIn(listener, $"127.0.0.1:{port}", time ?? TimeProvider.System);
    }

    /// <summary>Queues an event; returns its request id. The deadline is <paramref name="timeout"/> (default 60 s) after delivery.</summary>
    public string Enqueue(string eventJson, TimeSpan? timeout = null, string? traceId = null)
    {
        var requestId = Guid.NewGuid().ToString();
        Outcome(requestId);
        _events.Writer.TryWrite(new QueuedEvent(requestId, eventJson, timeout ?? TimeSpan.FromSeconds(60), traceId));
        return requestId;
    }

    public Task<LambdaOutcome> WaitForOutcomeAsync(string requestId, TimeSpan? timeout = null) =>
        Outcome(requestId).Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));

    public Task<LambdaOutcome> WaitForInitErrorAsync(TimeSpan? timeout = null) =>
        Outcome(InitErrorKey).Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Close();
        await _serving;
        _stopping.Dispose();
    }

    private TaskCompletionSource<LambdaOutcome> Outcome(string key) =>
        _outcomes.GetOrAdd(key, _ => new TaskCompletionSource<LambdaOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task ServeAsync()
    {
        var handlers = new List<Task>();
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var context = await _listener.GetContextAsync();
                handlers.Add(Task.Run(() => HandleAsync(context)));
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                break;
            }
        }

        await Task.WhenAll(handlers);
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            var path = request.Url!.AbsolutePath;
            var parts = path.StartsWith(Prefix, StringComparison.Ordinal) ? path[Prefix.Length..].Split('/') : [];
            switch (request.HttpMethod, parts)
            {
                case ("GET", ["invocation", "next"]):
                    await DeliverAsync(response);
                    break;
                case ("POST", ["invocation", var id, "response" or "error"]) when _delivered.ContainsKey(id):
                    await RecordAsync(request, response, id, isError: parts[2] == "error", OutcomeStatus);
                    break;
                case ("POST", ["init", "error"]):
                    await RecordAsync(request, response, InitErrorKey, isError: true, answer: null);
                    break;
                default:
                    await AnswerAsync(response, HttpStatusCode.NotFound, "{\"errorType\":\"NotFound\"}");
                    break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or HttpListenerException or ObjectDisposedException or IOException)
        {
            response.Abort();
        }
    }

    private async Task DeliverAsync(HttpListenerResponse response)
    {
        var next = await _events.Reader.ReadAsync(_stopping.Token);
        _delivered[next.RequestId] = true;
        var deadline = _time.GetUtcNow() + next.Timeout;
        response.Headers["Lambda-Runtime-Aws-Request-Id"] = next.RequestId;
        response.Headers["Lambda-Runtime-Deadline-Ms"] = deadline.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        response.Headers["Lambda-Runtime-Invoked-Function-Arn"] = FunctionArn;
        if (next.TraceId is not null)
        {
            response.Headers["Lambda-Runtime-Trace-Id"] = next.TraceId;
        }

        await AnswerAsync(response, HttpStatusCode.OK, next.Body);
    }

    private async Task RecordAsync(HttpListenerRequest request, HttpListenerResponse response, string key, bool isError, HttpStatusCode? answer)
    {
        using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var headers = request.Headers.AllKeys.OfType<string>()
            .ToDictionary(name => name, name => request.Headers[name] ?? string.Empty, StringComparer.OrdinalIgnoreCase);
        var recorded = Outcome(key).TrySetResult(new LambdaOutcome(key, isError, body, headers));
        // Like Lambda: one outcome per invocation; a second one is refused.
        await (answer is { } status
            ? AnswerAsync(response, status, "{\"errorType\":\"InjectedByTheTest\"}")
            : recorded
            ? AnswerAsync(response, HttpStatusCode.Accepted, "{\"status\":\"OK\"}")
            : AnswerAsync(response, HttpStatusCode.BadRequest, "{\"errorType\":\"InvalidStateTransition\"}"));
    }

    private static async Task AnswerAsync(HttpListenerResponse response, HttpStatusCode status, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        response.StatusCode = (int)status;
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }

    private sealed record QueuedEvent(string RequestId, string Body, TimeSpan Timeout, string? TraceId);
}

/// <summary>
/// The Native AOT <c>bootstrap</c> that eng/publish-lambda.sh publishes (artifacts/lambda/linux-x64/bootstrap),
/// published on first use when missing or older than the sources, and run as Lambda would run it against a <see cref="LambdaRuntimeStandIn"/>.
/// Tests that use it carry <c>[Trait("Category", "Aot")]</c>: the first publish takes a minute or two.
/// </summary>
public sealed class BootstrapProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private BootstrapProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Collect(e.Data);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Its output so far, stdout (the JSON log lines) and stderr interleaved.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    public int ExitCode => _process.ExitCode;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string BinaryPath { get; } = Path.Combine(RepositoryRoot, "artifacts", "lambda", "linux-x64", "bootstrap");

    /// <summary>
    /// The published binary's path; runs eng/publish-lambda.sh first when there is none, or when a source file under
    /// src/ is newer. A file lock keeps test processes that run at once from publishing over each other.
    /// </summary>
    public static async Task<string> EnsurePublishedAsync()
    {
        var artifacts = Path.Combine(RepositoryRoot, "artifacts");
        Directory.CreateDirectory(artifacts);
        await using var publishing = await LockAsync(Path.Combine(artifacts, ".publish-lambda.lock"));
        if (!File.Exists(BinaryPath) || NewestSource() > File.GetLastWriteTimeUtc(BinaryPath))
        {
            var (exitCode, output) = await RunAsync("bash", [Path.Combine(RepositoryRoot, "eng", "publish-lambda.sh")], TimeSpan.FromMinutes(15));
            if (exitCode != 0 || !File.Exists(BinaryPath))
            {
                throw new InvalidOperationException($"eng/publish-lambda.sh failed ({exitCode}):\n{output}");
            }
        }

        return BinaryPath;
    }

    /// <summary>Starts the published bootstrap against <paramref name="runtime"/>, with the test's environment changed by <paramref name="environment"/> (null removes a variable).</summary>
    public static async Task<BootstrapProcess> StartAsync(LambdaRuntimeStandIn runtime, IReadOnlyDictionary<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(environment);
        var startInfo = new ProcessStartInfo(await EnsurePublishedAsync())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        startInfo.Environment["AWS_LAMBDA_RUNTIME_API"] = runtime.Endpoint;
        return new BootstrapProcess(Process.Start(startInfo) ?? throw new InvalidOperationException("bootstrap did not start"));
    }

    /// <summary>Runs a tool to its end; its exit code and its output (stdout then stderr).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout)
    {
        using var process = Process.Start(new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException($"{fileName} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(timeout);
        return (process.ExitCode, await stdout + await stderr);
    }

    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync().WaitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Collect(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }

    private static async Task<FileStream> LockAsync(string path)
    {
        for (var waited = TimeSpan.Zero; ; waited += TimeSpan.FromSeconds(1))
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited < TimeSpan.FromMinutes(20))
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    private static DateTime NewestSource() =>
        Directory.EnumerateFiles(Path.Combine(RepositoryRoot, "src"), "*", SearchOption.AllDirectories)
            .Where(path => !path.Contains("/bin/", StringComparison.Ordinal) && !path.Contains("/obj/", StringComparison.Ordinal))
            .Append(Path.Combine(RepositoryRoot, "Directory.Build.props"))
            .Append(Path.Combine(RepositoryRoot, "Directory.Packages.props"))
            .Max(File.GetLastWriteTimeUtc);

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Ec2Isolation.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Ec2Isolation.sln not found above " + AppContext.BaseDirectory);
    }
}
