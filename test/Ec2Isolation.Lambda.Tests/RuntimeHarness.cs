using Ec2Isolation.Lambda.Runtime;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Lambda.Tests;

/// <summary>A Runtime API stand-in and the real client pointed at it, for one test.</summary>
internal sealed class RuntimeHarness : IAsyncDisposable
{
    public RuntimeHarness() => Client = new LambdaRuntimeApiClient(StandIn.Endpoint);

    public LambdaRuntimeStandIn StandIn { get; } = LambdaRuntimeStandIn.Start();

    public LambdaRuntimeApiClient Client { get; }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await StandIn.DisposeAsync();
    }
}
