using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Microsoft.Extensions.DependencyInjection;

namespace Ec2Isolation.Aws;

/// <summary>The composition root shared by the Lambda and the CLI.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IIsolationService"/> over the real AWS adapters for one connection.
    /// The caller adds logging (console for the CLI, JSON for the Lambda) and a <see cref="TimeProvider"/> if it wants another than the system's.
    /// </summary>
    public static IServiceCollection AddEc2Isolation(this IServiceCollection services, IsolationSettings settings, AwsConnection connection)
    {
        ArgumentNullException.ThrowIfNull(services);
        throw new NotImplementedException("filled in when the adapters land");
    }
}
