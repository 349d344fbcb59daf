using Amazon.SimpleSystemsManagement;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ec2Isolation.Aws.Notifications;

/// <summary>The notifiers the settings configure; none (and nothing else registered) when neither Slack nor Jira is.</summary>
internal static class NotifierRegistration
{
    public static IServiceCollection AddNotifiers(this IServiceCollection services, IsolationSettings settings)
    {
        if (settings.SlackWebhookParameter is null && settings.Jira is null)
        {
            return services;
        }

        services.TryAddSingleton(provider => provider.GetRequiredService<AwsClientFactory>().CreateSsm());
        services.TryAddSingleton(provider => NotificationHttp.Create(provider.GetRequiredService<TimeProvider>()));
        if (settings.SlackWebhookParameter is { } webhook)
        {
            services.AddSingleton<IIsolationNotifier>(provider =>
                new SlackNotifier(Secret(provider, webhook), provider.GetRequiredService<NotificationHttp>()));
        }

        if (settings.Jira is { } jira)
        {
            services.AddSingleton<IIsolationNotifier>(provider =>
                new JiraNotifier(jira, Secret(provider, jira.TokenParameter), provider.GetRequiredService<NotificationHttp>()));
        }

        return services;
    }

    private static SsmSecret Secret(IServiceProvider provider, string parameterName) =>
        new(provider.GetRequiredService<IAmazonSimpleSystemsManagement>(), parameterName);
}
