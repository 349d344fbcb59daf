using System.Text.Json;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Lambda.Tests;

/// <summary>
/// What the tests of the real Native AOT bootstrap against moto share: a Runtime API stand-in, the emulator's default
/// account set up as the deployment's (its table and profile), the bootstrap started with the emulator's environment
/// and each class's own variables, and stopped after.
/// </summary>
public abstract class BootstrapFunctionTests(MotoServer moto) : IAsyncLifetime
{
    protected MotoServer Moto { get; } = moto;

    protected LambdaRuntimeStandIn Runtime { get; } = LambdaRuntimeStandIn.Start();

    /// <summary>The deployment's own account: the emulator's default.</summary>
    protected MotoAccount Account { get; private set; } = null!;

    protected BootstrapProcess? Function { get; private set; }

    public async Task InitializeAsync()
    {
        Account = await MotoAccount.CreateAsync(Moto);
        var environment = MotoEnvironment.For(Moto.EndpointUrl);
        await ConfigureAsync(environment);
        Function = await BootstrapProcess.StartAsync(Runtime, environment);
    }

    public async Task DisposeAsync()
    {
        if (Function is not null)
        {
            await Function.DisposeAsync();
        }

        await Runtime.DisposeAsync();
        await DisposeStandInsAsync();
        Account.Dispose();
    }

    /// <summary>The class's own variables (and what they name, such as SSM parameters), before the bootstrap starts.</summary>
    protected abstract Task ConfigureAsync(Dictionary<string, string?> environment);

    /// <summary>The class's own stand-ins, stopped after the bootstrap.</summary>
    protected virtual ValueTask DisposeStandInsAsync() => ValueTask.CompletedTask;

    /// <summary>Invokes the function with <paramref name="eventJson"/>; its result, which must not be an error.</summary>
    protected async Task<JsonElement> InvokeAsync(string eventJson)
    {
        var outcome = await Runtime.WaitForOutcomeAsync(Runtime.Enqueue(eventJson), TimeSpan.FromMinutes(1));
        Assert.False(outcome.IsError, outcome.Body);
        return JsonDocument.Parse(outcome.Body).RootElement.Clone();
    }
}
