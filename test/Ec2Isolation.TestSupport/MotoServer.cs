using Amazon.Runtime;
using Ec2Isolation.Aws;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Ec2Isolation.TestSupport;

/// <summary>
/// An independent AWS emulator (moto) started on 127.0.0.1 on a free port for the tests that need it,
/// stopped with them. Installs moto with pip when python3 lacks it.
/// </summary>
public sealed partial class MotoServer : IAsyncLifetime
{
    public const string Region = "us-east-1";
    public const string AccountId = "123456789012";

    private Process? _process;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string EndpointUrl { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        await EnsureMotoInstalledAsync();
        var logPath = Path.Combine(Path.GetTempPath(), $"moto-{Environment.ProcessId}-{Guid.NewGuid():N}.log");
        var startInfo = new ProcessStartInfo("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", "0"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        _process = Process.Start(startInfo) ?? throw new InvalidOperationException("python3 did not start");
        var portFound = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Drain both pipes for the server's lifetime: a server whose pipe fills up deadlocks.
        _process.OutputDataReceived += (_, e) => Append(logPath, e.Data);
        _process.ErrorDataReceived += (_, e) =>
        {
            Append(logPath, e.Data);
            if (e.Data is { } line && RunningOn().Match(line) is { Success: true } match)
            {
                portFound.TrySetResult(match.Groups[1].Value);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var port = await portFound.Task.WaitAsync(TimeSpan.FromSeconds(60));
        EndpointUrl = $"http://127.0.0.1:{port}";
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var response = await Http.GetAsync(new Uri(EndpointUrl + "/moto-api/"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (attempt < 100)
            {
            }

            await Task.Delay(100);
        }
    }

    /// <summary>A client factory pointed at the emulator with dummy credentials.</summary>
    public AwsClientFactory Clients() => new(new AwsConnection(Region, EndpointUrl), new BasicAWSCredentials("testing", "testing"));

    /// <summary>Forgets every resource in every account.</summary>
    public async Task ResetAsync()
    {
        using var response = await Http.PostAsync(new Uri(EndpointUrl + "/moto-api/reset"), null);
        response.EnsureSuccessStatusCode();
    }

    public async Task StartRecordingAsync()
    {
        using var clear = await Http.PostAsync(new Uri(EndpointUrl + "/moto-api/recorder/reset-recording"), null);
        clear.EnsureSuccessStatusCode();
        using var start = await Http.PostAsync(new Uri(EndpointUrl + "/moto-api/recorder/start-recording"), null);
        start.EnsureSuccessStatusCode();
    }

    /// <summary>The requests moto received since recording started, one JSON object a line.</summary>
    public async Task<string> StopRecordingAsync()
    {
        using var stop = await Http.PostAsync(new Uri(EndpointUrl + "/moto-api/recorder/stop-recording"), null);
        stop.EnsureSuccessStatusCode();
        return await Http.GetStringAsync(new Uri(EndpointUrl + "/moto-api/recorder/download-recording"));
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
    }

    private static readonly Lock LogLock = new();

    private static void Append(string path, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (LogLock)
        {
            File.AppendAllText(path, line + Environment.NewLine);
        }
    }

    private static async Task EnsureMotoInstalledAsync()
    {
        if (await RunAsync("python3", "-c \"import moto.server\"") == 0)
        {
            return;
        }

        if (await RunAsync("python3", "-m pip install --quiet \"moto[server]==5.2.1\"") != 0)
        {
            throw new InvalidOperationException("moto is not installed and 'pip install moto[server]' failed");
        }
    }

    private static async Task<int> RunAsync(string fileName, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(fileName, arguments) { UseShellExecute = false })
            ?? throw new InvalidOperationException($"{fileName} did not start");
        await process.WaitForExitAsync();
        return process.ExitCode;
    }

    [GeneratedRegex(@"Running on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex RunningOn();
}
