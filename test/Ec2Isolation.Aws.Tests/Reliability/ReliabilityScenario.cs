using System.Diagnostics;
using System.Text.Json;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Ec2Isolation.Aws.Tests.Reliability;

/// <summary>
/// What every reliability test starts from: a fresh emulator account holding the <see cref="WidestInstance"/>, and a
/// <see cref="FaultProxy"/> in front of the emulator through which the engine (in-process, over the real adapters) and
/// the built ec2-isolation program send every call.
/// </summary>
public sealed record ReliabilityScenario(MotoAccount Account, WidestInstance Instance, FaultProxy Proxy) : IAsyncDisposable
{
    public string InstanceId => Instance.InstanceId;

    public static async Task<ReliabilityScenario> CreateAsync(MotoServer moto)
    {
        ArgumentNullException.ThrowIfNull(moto);
        var account = await MotoAccount.CreateAsync(moto);
        return new(account, await WidestInstance.CreateAsync(account), FaultProxy.Start(moto.EndpointUrl));
    }

    /// <summary>Isolates the instance with the engine over the real adapters, every call through the proxy.</summary>
    /// <param name="requestedBy">Null: the engine asks STS who is calling, as the CLI does.</param>
    public async Task<IsolationResult> IsolateAsync(string? requestedBy = null)
    {
        using var provider = Account.BuildProvider(endpoint: Proxy.Endpoint);
        return await provider.GetRequiredService<IIsolationService>().IsolateAsync(new IsolationRequest(InstanceId, RequestedBy: requestedBy), CancellationToken.None);
    }

    /// <summary>Runs the built ec2-isolation program, every call through the proxy.</summary>
    /// <param name="environment">Variables added to (or, null, removed from) the emulator's environment.</param>
    public Task<ProgramRun> RunCliAsync(string arguments, IReadOnlyDictionary<string, string?>? environment = null, Action<Process>? started = null)
    {
        var variables = MotoEnvironment.For(Proxy.Endpoint);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[name] = value;
        }

        return CliProgram.RunAsync(arguments, variables, started);
    }

    /// <summary>The one JSON object a <c>-o json</c> run printed.</summary>
    public static JsonElement Json(ProgramRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return JsonDocument.Parse(run.Output).RootElement;
    }

    /// <summary>The requests the proxy has seen so far; <c>Since(mark)</c> gives those after a run started.</summary>
    public int Mark() => Proxy.Seen.Count;

    public IReadOnlyList<(RecordedRequest Request, Fault? Fault)> Since(int mark) => [.. Proxy.Seen.Skip(mark)];

    public async ValueTask DisposeAsync()
    {
        await Proxy.DisposeAsync();
        Account.Dispose();
    }
}

/// <summary>A reliability test class: a fresh <see cref="ReliabilityScenario"/> for each test.</summary>
public abstract class ReliabilityTests(MotoServer moto) : IAsyncLifetime
{
    protected MotoServer Moto { get; } = moto;

    protected ReliabilityScenario Scenario { get; private set; } = null!;

    public async Task InitializeAsync() => Scenario = await ReliabilityScenario.CreateAsync(Moto);

    public virtual async Task DisposeAsync() => await Scenario.DisposeAsync();
}
