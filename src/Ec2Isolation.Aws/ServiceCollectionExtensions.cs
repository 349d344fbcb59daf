using Ec2Isolation.Aws.DynamoDb;
using Ec2Isolation.Aws.Ec2;
using Ec2Isolation.Aws.Inspector;
using Ec2Isolation.Aws.Notifications;
using Ec2Isolation.Aws.Organizations;
using Ec2Isolation.Aws.Query;
using Ec2Isolation.Aws.Sqs;
using Ec2Isolation.Aws.Sts;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Metrics;
using Ec2Isolation.Core.Notifications;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Replacement;
using Ec2Isolation.Core.Scanning;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Aws;

/// <summary>The composition root shared by the Lambda and the CLI.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IIsolationService"/>, <see cref="IReplacementService"/> and <see cref="IIsolationEventProcessor"/>
    /// over the real AWS adapters for one connection, and <see cref="IAccountRouter"/>, which gives each account an event
    /// or a command names its own services (central mode: over its member role). The caller adds logging (console for
    /// the CLI, JSON for the Lambda), and may register its own <see cref="TimeProvider"/>, <see cref="AwsClientFactory"/>
    /// (tests: the emulator with dummy credentials) or <see cref="IAccountIdentity"/> (the Lambda: from its invoked ARN,
    /// without a call) first. Credentials are resolved when the service is first resolved, from the connection's
    /// profile or the default chain.
    /// </summary>
    public static IServiceCollection AddEc2Isolation(this IServiceCollection services, IsolationSettings settings, AwsConnection connection)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<InvocationDeadline>();
        services.AddSingleton(settings);
        services.TryAddSingleton<ThrottleCounter>();
        services.TryAddSingleton(provider => new AwsClientFactory(connection, AwsClientFactory.ResolveCredentials(connection))
        {
            Throttles = provider.GetRequiredService<ThrottleCounter>(),
            Ec2Patience = new(provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<InvocationDeadline>()),
        });
        if (settings.ResultBusName is { } bus)
        {
            services.TryAddSingleton<IResultBus>(provider =>
                EventBridge.EventBridgeResultBus.Create(provider.GetRequiredService<AwsClientFactory>(), bus, provider.GetRequiredService<TimeProvider>()));
        }

        services.TryAddSingleton(provider => new StsCallerIdentity(provider.GetRequiredService<AwsClientFactory>().CreateSts()));
        services.TryAddSingleton<IAccountIdentity>(provider => provider.GetRequiredService<StsCallerIdentity>());
        services.AddSingleton(provider =>
            CreateApis(provider, provider.GetRequiredService<AwsClientFactory>(), provider.GetRequiredService<IAccountIdentity>()));
        if (settings.Accounts is { OrganizationScoped: true } scoped)
        {
            services.TryAddSingleton<IOrganizationAccounts>(provider =>
                OrganizationAccounts.Create(provider.GetRequiredService<AwsClientFactory>(), scoped, provider.GetRequiredService<TimeProvider>()));
        }

        services.AddSingleton<IAccountRouter>(provider =>
        {
            var home = provider.GetRequiredService<AwsClientFactory>();
            return new AccountRouter(
                settings.Accounts,
                home.Connection.Region,
                provider.GetRequiredService<IAccountIdentity>(),
                CreateAccountServices(provider, provider.GetRequiredService<AwsApis>(), home),
                accountId =>
                {
                    var member = home.ForMember(settings.Accounts!, accountId);
                    return CreateAccountServices(provider, CreateApis(provider, member, new KnownAccount(accountId)), member);
                },
                provider.GetRequiredService<ILogger<AccountRouter>>(),
                provider.GetService<IOrganizationAccounts>());
        });
        services.AddSingleton(provider => provider.GetRequiredService<IAccountRouter>().Home.Isolation);
        services.AddSingleton(provider => provider.GetRequiredService<IAccountRouter>().Home.Replacement);
        services.AddNotifiers(settings);
        services.AddApprovals(settings);
        services.AddSingleton<IIsolationEventProcessor>(provider => new IsolationEventProcessor(
            provider.GetRequiredService<IAccountRouter>(),
            settings,
            provider.GetRequiredService<ILogger<IsolationEventProcessor>>(),
            provider.GetRequiredService<ThrottleCounter>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetService<Core.Approvals.ApprovalService>()));
        return services;
    }

    /// <summary>
    /// The AWS calls of one account, over <paramref name="clients"/>' credentials; its records in the deployment's own
    /// table, with the deployment's own credentials, keyed by <paramref name="account"/>.
    /// </summary>
    private static AwsApis CreateApis(IServiceProvider provider, AwsClientFactory clients, IAccountIdentity account)
    {
        var time = provider.GetRequiredService<TimeProvider>();
        var home = provider.GetRequiredService<AwsClientFactory>();
        return new AwsApis(
            new AwsEc2Api(clients.CreateEc2()),
            new QueryIamApi(AwsQueryClient.Create(clients, QueryService.Iam, time)),
            new QueryAutoScalingApi(AwsQueryClient.Create(clients, QueryService.AutoScaling, time)),
            new QueryLoadBalancingApi(AwsQueryClient.Create(clients, QueryService.ElasticLoadBalancingV2, time)),
            new DynamoRecordStore(home.CreateDynamoDb(), provider.GetRequiredService<IsolationSettings>().TableName, account, home.Connection.Region),
            new DynamoRoleRevocationStore(home.CreateDynamoDb(), provider.GetRequiredService<IsolationSettings>().TableName, account),
            new QueryClassicLoadBalancingApi(AwsQueryClient.Create(clients, QueryService.ElasticLoadBalancing, time)));
    }

    /// <summary>The services of one account. Who asked (the record's RequestedBy, when a command does not say) is the deployment's own caller.</summary>
    private static AccountServices CreateAccountServices(IServiceProvider provider, AwsApis apis, AwsClientFactory clients)
    {
        var settings = provider.GetRequiredService<IsolationSettings>();
        var time = provider.GetRequiredService<TimeProvider>();
        var isolation = new IsolationService(
            apis,
            new AwsEc2Api(clients.CreateEc2(), dryRun: true),
            provider.GetRequiredService<StsCallerIdentity>(),
            settings,
            clients.Connection.Region,
            time,
            provider.GetRequiredService<ILogger<IsolationService>>(),
            provider.GetServices<IIsolationNotifier>(),
            provider.GetRequiredService<InvocationDeadline>(),
            settings.ContinuationQueueUrl is { } queue ? SqsContinuationScheduler.Create(provider.GetRequiredService<AwsClientFactory>(), queue.ToString(), time) : null);
        var replacement = new ReplacementService(
            apis,
            new AwsEc2Api(clients.CreateEc2(), dryRun: true),
            settings,
            time,
            provider.GetRequiredService<ILogger<ReplacementService>>());
        var scanner = new ReplacementScanner(
            InspectorScanner.Create(clients, time),
            apis,
            settings,
            time,
            provider.GetRequiredService<ILogger<ReplacementScanner>>(),
            provider.GetServices<IIsolationNotifier>());
        return new AccountServices(isolation, apis.Ec2, replacement, scanner, apis.LoadBalancing, apis.ClassicLoadBalancing);
    }
}
