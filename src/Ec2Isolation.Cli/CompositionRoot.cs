using Ec2Isolation.Aws.Sts;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Aws;
using Ec2Isolation.Aws.DynamoDb;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Replacement;
using Ec2Isolation.Core.Scanning;
using Microsoft.Extensions.DependencyInjection;

namespace Ec2Isolation.Cli;

/// <summary>
/// What the commands call: the isolation, replacement and scan services of the account the command acts in, the Lambda's
/// event processor for <c>invoke</c>, and the record migration.
/// </summary>
/// <param name="Approvals">The approval requests of the account and region the command acts in; null without Slack approvals.</param>
internal sealed record CliServices(
    IIsolationService Isolation, IIsolationEventProcessor Events, IReplacementService Replacement, IRecordMigration Migration, IReplacementScanner Scanner,
    ApprovalCommands? Approvals = null);

/// <summary>The real services: the shared composition root, with the CLI's console logging.</summary>
internal static class CompositionRoot
{
    public static async Task<CliServices> CreateServicesAsync(CliContext context, CancellationToken cancellationToken)
    {
        var provider = new ServiceCollection()
            .AddSingleton(context.LoggerFactory)
            .AddLogging()
            .AddEc2Isolation(context.Settings, context.Connection)
            .BuildServiceProvider();
        context.Own(provider);
        var router = provider.GetRequiredService<IAccountRouter>();
        var account = context.AccountId is { } accountId ? await router.ForAsync(accountId, region: null, cancellationToken) : router.Home;
        return new CliServices(
            account.Isolation,
            provider.GetRequiredService<IIsolationEventProcessor>(),
            account.Replacement,
            new RecordMigration(provider.GetRequiredService<AwsClientFactory>().CreateDynamoDb(), context.Settings.TableName),
            account.Scanner,
            provider.GetService<ApprovalService>() is { } approvals
                ? new ApprovalCommands(
                    approvals,
                    context.AccountId ?? await provider.GetRequiredService<IAccountIdentity>().GetAccountIdAsync(cancellationToken),
                    context.Connection.Region,
                    provider.GetRequiredService<StsCallerIdentity>().GetCallerArnAsync)
                : null);
    }
}
