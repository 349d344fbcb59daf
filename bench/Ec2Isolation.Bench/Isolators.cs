using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Ec2Isolation.Aws;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Events;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Ec2Isolation.Bench;

/// <summary>
/// An implementation under test: handles a tag-change event and says which calls on the wire contain an ENI.
/// </summary>
internal interface IIsolator
{
    string Name { get; }

    /// <summary>The group an ENI sits in once contained.</summary>
    string GroupName { get; }

    /// <summary>Every group it creates in a VPC.</summary>
    IReadOnlyList<string> CreatedGroups { get; }

    /// <summary>True for a call that puts an ENI (or a single-ENI instance) into <paramref name="groupId"/> alone.</summary>
    bool Contains(RecordedRequest request, string groupId);

    /// <summary>Handles the event to its end; returns the Stopwatch timestamp at which the handler was handed it.</summary>
    Task<long> HandleAsync(string eventJson);
}

/// <summary>Our engine, driven as the Lambda drives it: the event processor of the shared composition root.</summary>
internal sealed class Ours(ServiceProvider services) : IIsolator, IAsyncDisposable
{
    private readonly IIsolationEventProcessor _processor = services.GetRequiredService<IIsolationEventProcessor>();

    public string Name => "ours";

    public string GroupName { get; } = services.GetRequiredService<IsolationSettings>().QuarantineGroupName;

    public IReadOnlyList<string> CreatedGroups { get; } = [services.GetRequiredService<IsolationSettings>().AllTrafficGroupName, services.GetRequiredService<IsolationSettings>().QuarantineGroupName];

    public bool Contains(RecordedRequest request, string groupId) => Moves(request, groupId);

    /// <summary>The composition root with every client (SDK and Query) pointed at <paramref name="endpoint"/>.</summary>
    public static Ours Create(IsolationSettings settings, string endpoint)
    {
        var connection = new AwsConnection(MotoServer.Region, endpoint);
        return new(new ServiceCollection()
            .AddLogging()
            .AddSingleton(new AwsClientFactory(connection, new BasicAWSCredentials("testing", "testing")))
            // As the function knows its account from its invoked ARN: no STS call before containment.
            .AddSingleton<IAccountIdentity>(new KnownAccount(MotoServer.AccountId))
            .AddEc2Isolation(settings, connection)
            .BuildServiceProvider());
    }

    public async Task<long> HandleAsync(string eventJson)
    {
        var start = Stopwatch.GetTimestamp();
        var result = await _processor.HandleAsync(eventJson, CancellationToken.None);
        return result.Action == "isolated" ? start : throw new InvalidOperationException($"ours: {result.Action}: {result.Message}");
    }

    public ValueTask DisposeAsync() => services.DisposeAsync();

    /// <summary>ModifyNetworkInterfaceAttribute with <paramref name="groupId"/> as the ENI's one group.</summary>
    public static bool Moves(RecordedRequest request, string groupId) =>
        request.Action == "ModifyNetworkInterfaceAttribute" && request.Parameter("SecurityGroupId.1") == groupId && request.Parameter("SecurityGroupId.2") is null;
}

/// <summary>The Python baseline (bench/baseline/isolate.py), run in-process by bench/baseline/driver.py with boto3.</summary>
internal sealed class Baseline : IIsolator, IAsyncDisposable
{
    private readonly Process _python;

    private Baseline(Process python) => _python = python;

    public string Name => "baseline";

    public string GroupName => "baseline-isolation";

    public IReadOnlyList<string> CreatedGroups => [GroupName];

    public bool Contains(RecordedRequest request, string groupId) =>
        (request.Action == "ModifyInstanceAttribute" && request.Parameter("GroupId.1") == groupId) || Ours.Moves(request, groupId);

    public static async Task<Baseline> StartAsync(string benchDirectory, string endpoint, string isolationProfile)
    {
        var before = Stopwatch.GetTimestamp();
        var python = Process.Start(new ProcessStartInfo("python3", [Path.Combine(benchDirectory, "baseline", "driver.py")])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            Environment =
            {
                ["AWS_ENDPOINT_URL"] = endpoint,
                ["AWS_DEFAULT_REGION"] = MotoServer.Region,
                ["AWS_ACCESS_KEY_ID"] = "testing",
                ["AWS_SECRET_ACCESS_KEY"] = "testing",
                ["BASELINE_PROFILE"] = isolationProfile,
                ["BASELINE_GROUP"] = "baseline-isolation",
            },
        }) ?? throw new InvalidOperationException("python3 did not start");
        var baseline = new Baseline(python);
        var ready = (await baseline.ReadAsync())["ready_ns"]!.GetValue<long>();
        // Both clocks must be CLOCK_MONOTONIC for the start times to compare with the proxy's timestamps.
        if (Stopwatch.Frequency != 1_000_000_000 || ready < before || ready > Stopwatch.GetTimestamp())
        {
            throw new InvalidOperationException("Python's monotonic clock is not .NET's Stopwatch clock here: the baseline cannot be timed");
        }

        return baseline;
    }

    public async Task<long> HandleAsync(string eventJson)
    {
        await _python.StandardInput.WriteLineAsync(new JsonObject { ["event"] = eventJson }.ToJsonString());
        await _python.StandardInput.FlushAsync();
        var reply = await ReadAsync();
        return reply["error"] is { } error
            ? throw new InvalidOperationException("baseline: " + error)
            : reply["start_ns"]!.GetValue<long>();
    }

    public async ValueTask DisposeAsync()
    {
        _python.StandardInput.Close();
        await _python.WaitForExitAsync();
        _python.Dispose();
    }

    private async Task<JsonNode> ReadAsync() =>
        JsonNode.Parse(await _python.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the baseline driver ended"))
        ?? throw new JsonException("empty reply from the baseline driver");
}
