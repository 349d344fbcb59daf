using Ec2Isolation.Aws;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Replacement;
using Microsoft.Extensions.DependencyInjection;

namespace Ec2Isolation.Cli;

/// <summary>What the commands call: the isolation service, the Lambda's event processor for <c>invoke</c>, and the replacement service.</summary>
internal sealed record CliServices(IIsolationService Isolation, IIsolationEventProcessor Events, IReplacementService Replacement);

/// <summary>The real services: the shared composition root, with the CLI's console logging.</summary>
internal static class CompositionRoot
{
    public static CliServices CreateServices(CliContext context)
    {
        var provider = new ServiceCollection()
            .AddSingleton(context.LoggerFactory)
            .AddLogging()
            .AddEc2Isolation(context.Settings, context.Connection)
            .BuildServiceProvider();
        context.Own(provider);
        return new CliServices(
            provider.GetRequiredService<IIsolationService>(),
            provider.GetRequiredService<IIsolationEventProcessor>(),
            provider.GetRequiredService<IReplacementService>());
    }
}
