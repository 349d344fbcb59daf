using Ec2Isolation.Aws.DynamoDb;
using Ec2Isolation.Aws.Ec2;
using Ec2Isolation.Aws.Notifications;
using Ec2Isolation.Aws.Query;
using Ec2Isolation.Aws.Sts;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Notifications;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Replacement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Aws;

/// <summary>The composition root shared by the Lambda and the CLI.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IIsolationService"/> and <see cref="IIsolationEventProcessor"/> over the real AWS adapters for one connection. The caller adds logging
    /// (console for the CLI, JSON for the Lambda), and may register its own <see cref="TimeProvider"/> or
    /// <see cref="AwsClientFactory"/> (tests: the emulator with dummy credentials) first.
    /// Credentials are resolved when the service is first resolved, from the connection's profile or the default chain.
    /// </summary>
    public static IServiceCollection AddEc2Isolation(this IServiceCollection services, IsolationSettings settings, AwsConnection connection)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(settings);
        services.TryAddSingleton(_ => new AwsClientFactory(connection, AwsClientFactory.ResolveCredentials(connection)));
        services.AddSingleton(provider =>
        {
            var clients = provider.GetRequiredService<AwsClientFactory>();
            var time = provider.GetRequiredService<TimeProvider>();
            return new AwsApis(
                new AwsEc2Api(clients.CreateEc2()),
                new QueryIamApi(AwsQueryClient.Create(clients, QueryService.Iam, time)),
                new QueryAutoScalingApi(AwsQueryClient.Create(clients, QueryService.AutoScaling, time)),
                new QueryLoadBalancingApi(AwsQueryClient.Create(clients, QueryService.ElasticLoadBalancingV2, time)),
                new DynamoRecordStore(clients.CreateDynamoDb(), settings.TableName));
        });
        services.AddSingleton<IIsolationService>(provider =>
        {
            var clients = provider.GetRequiredService<AwsClientFactory>();
            return new IsolationService(
                provider.GetRequiredService<AwsApis>(),
                new AwsEc2Api(clients.CreateEc2(), dryRun: true),
                new StsCallerIdentity(clients.CreateSts()),
                settings,
                connection.Region,
                provider.GetRequiredService<TimeProvider>(),
                provider.GetRequiredService<ILogger<IsolationService>>(),
                provider.GetServices<IIsolationNotifier>());
        });
        services.AddNotifiers(settings);
        services.AddSingleton<IIsolationEventProcessor>(provider => new IsolationEventProcessor(
            provider.GetRequiredService<IIsolationService>(),
            provider.GetRequiredService<AwsApis>().Ec2,
            settings,
            provider.GetRequiredService<ILogger<IsolationEventProcessor>>()));
        services.AddSingleton<IReplacementService>(provider => new ReplacementService(
            provider.GetRequiredService<AwsApis>(),
            new AwsEc2Api(provider.GetRequiredService<AwsClientFactory>().CreateEc2(), dryRun: true),
            settings,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<ReplacementService>>()));
        return services;
    }
}
