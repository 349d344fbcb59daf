using System.Diagnostics;
using System.Text.Json;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Bench;

/// <summary>One process start: until its first response reached the Runtime API stand-in; its CPU time and peak memory until then.</summary>
internal sealed record ColdStart(string Build, string Event, double ToResponseMs, double CpuMs, double PeakMiB);

/// <summary>
/// Cold starts of the Lambda's own program, the Native AOT bootstrap against the same code run by <c>dotnet</c> (JIT):
/// a fresh process per event, as Lambda starts one, served by a <see cref="LambdaRuntimeStandIn"/>. Once the first
/// response is posted, the process's CPU clock (user+sys, every thread) and its peak resident set are read, and it is ended.
/// </summary>
internal sealed class ColdStartBench(BenchAccount account, string motoEndpoint)
{
    /// <summary>The JIT build: the same project, framework-dependent, without Native AOT, built apart from the AOT build's folders.</summary>
    public static async Task<string> PublishJitAsync(string repositoryRoot)
    {
        var output = Path.Combine(repositoryRoot, "artifacts", "bench", "jit");
        var (exitCode, log) = await BootstrapProcess.RunAsync(
            "dotnet",
            ["publish", Path.Combine(repositoryRoot, "src", "Ec2Isolation.Lambda"), "--nologo", "-c", "Release", "-r", "linux-x64",
             "-p:PublishAot=false", "--self-contained", "false", "--artifacts-path", Path.Combine(repositoryRoot, "artifacts", "bench", "jit-build"), "-o", output],
            TimeSpan.FromMinutes(10));
        return exitCode == 0 ? Path.Combine(output, "bootstrap.dll") : throw new InvalidOperationException("JIT publish failed:\n" + log);
    }

    public async Task<List<ColdStart>> RunAsync(IReadOnlyDictionary<string, string[]> builds, int runs, Action<string> progress)
    {
        var results = new List<ColdStart>();
        for (var run = 0; run < runs; run++)
        {
            foreach (var (build, command) in run % 2 == 0 ? builds : builds.Reverse())
            {
                var instanceId = await account.RunWebInstanceAsync(account.Shared, interfaces: 1);
                var isolate = SampleEvents.Load(SampleEvents.TagChange, instanceId);
                results.Add(await StartAsync(build, "isolate (tag change)", command, isolate, "isolated"));
                results.Add(await StartAsync(build, "ignored (another tag)", command, isolate.Replace("\"isolate\"", "\"no\"", StringComparison.Ordinal), "ignored"));
            }

            progress($"cold start run {run + 1}/{runs} done");
        }

        return results;
    }

    private async Task<ColdStart> StartAsync(string build, string eventName, string[] command, string eventJson, string expectedAction)
    {
        var runtime = LambdaRuntimeStandIn.Start();
        try
        {
            var requestId = runtime.Enqueue(eventJson);
            var startInfo = new ProcessStartInfo(command[0], command[1..])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var (name, setting) in MotoEnvironment.For(motoEndpoint))
            {
                startInfo.Environment[name] = setting;
            }

            startInfo.Environment["AWS_LAMBDA_RUNTIME_API"] = runtime.Endpoint;
            var started = Stopwatch.GetTimestamp();
            using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"{command[0]} did not start");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var outcome = await runtime.WaitForOutcomeAsync(requestId, TimeSpan.FromMinutes(2));
            var toResponse = Stopwatch.GetElapsedTime(started);
            // The process now waits for its next event: what it has used so far is the cold start's cost.
            var (cpu, peakKiB) = (ProcessUsage.Cpu(process.Id), ProcessUsage.PeakResidentKiB(process.Id));
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            var action = JsonDocument.Parse(outcome.Body).RootElement.TryGetProperty("action", out var value) ? value.GetString() : null;
            return outcome.IsError || action != expectedAction
                ? throw new InvalidOperationException($"{build} answered {outcome.Body} to the {eventName} event")
                : new ColdStart(build, eventName, toResponse.TotalMilliseconds, cpu.TotalMilliseconds, peakKiB / 1024.0);
        }
        finally
        {
            await runtime.DisposeAsync();
        }
    }
}
