using Amazon.SimpleSystemsManagement;
using Ec2Isolation.Aws.DynamoDb;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Aws.Notifications;

/// <summary>
/// Approvals: with a Slack webhook, the <see cref="ApprovalService"/> (requests in the record table, posted to Slack);
/// with a signing secret and approvers too, the <see cref="SlackInteractionEndpoint"/> (with a bot token, reading the
/// approver user groups through <see cref="SlackApproverDirectory"/>); with Jira too, a <see cref="JiraApprovalTicket"/>
/// for each request and notice. None without Slack: a tier that asks then contains (fail closed), and the settings refuse
/// such a tier anyway.
/// </summary>
internal static class ApprovalRegistration
{
    public static IServiceCollection AddApprovals(this IServiceCollection services, IsolationSettings settings)
    {
        if (settings.SlackWebhookParameter is not { } webhook)
        {
            return services;
        }

        services.TryAddSingleton<IApprovalStore>(provider =>
            new DynamoApprovalStore(provider.GetRequiredService<AwsClientFactory>().CreateDynamoDb(), settings.TableName));
        services.TryAddSingleton<IApprovalChannel>(provider => new SlackApprovalChannel(
            new SsmSecret(provider.GetRequiredService<IAmazonSimpleSystemsManagement>(), webhook), provider.GetRequiredService<NotificationHttp>()));
        services.AddSingleton(provider => new ApprovalService(
            provider.GetRequiredService<IAccountRouter>(),
            provider.GetRequiredService<IApprovalStore>(),
            provider.GetRequiredService<IApprovalChannel>(),
            settings,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<ApprovalService>>(),
            provider.GetService<IApprovalHandOff>(),
            provider.GetService<IApprovalTicket>()));
        if (settings.Jira is { } jira)
        {
            services.TryAddSingleton<IApprovalTicket>(provider => new JiraApprovalTicket(
                jira, new SsmSecret(provider.GetRequiredService<IAmazonSimpleSystemsManagement>(), jira.TokenParameter), provider.GetRequiredService<NotificationHttp>()));
        }

        if (settings.Approvals is { } approvals)
        {
            services.AddSingleton(provider => new SlackInteractionEndpoint(
                new SsmSecret(provider.GetRequiredService<IAmazonSimpleSystemsManagement>(), approvals.SigningSecretParameter),
                provider.GetRequiredService<ApprovalService>(),
                approvals,
                provider.GetRequiredService<TimeProvider>(),
                provider.GetRequiredService<ILogger<SlackInteractionEndpoint>>(),
                approvals.BotTokenParameter is { } botToken
                    ? new SlackApproverDirectory(
                        new SsmSecret(provider.GetRequiredService<IAmazonSimpleSystemsManagement>(), botToken), provider.GetRequiredService<NotificationHttp>(), SlackApproverDirectory.SlackApi)
                    : null));
        }

        return services;
    }
}
