using Ec2Isolation.Aws;
using Ec2Isolation.Core.Isolation;
using Microsoft.Extensions.DependencyInjection;

namespace Ec2Isolation.Cli;

/// <summary>The real service: the shared composition root, with the CLI's console logging.</summary>
internal static class CompositionRoot
{
    public static IIsolationService CreateService(CliContext context)
    {
        var provider = new ServiceCollection()
            .AddSingleton(context.LoggerFactory)
            .AddLogging()
            .AddEc2Isolation(context.Settings, context.Connection)
            .BuildServiceProvider();
        context.Own(provider);
        return provider.GetRequiredService<IIsolationService>();
    }
}
