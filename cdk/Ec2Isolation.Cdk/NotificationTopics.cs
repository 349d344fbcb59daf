using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Ec2Isolation.Core;

namespace Ec2Isolation.Cdk;

/// <summary>
/// Where a regional stack's alarms go. CloudWatch notifies a topic of the alarm's own region only (an SNS action in
/// another region is refused: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html),
/// so each stack takes the existing topic of its region, or creates its own for the email address.
/// </summary>
internal static partial class NotificationTopics
{
    /// <summary>Adds a problem for each topic ARN that is not one, for two topics in one region, and for a deployed region without one.</summary>
    public static void Check(DeploymentSettings settings, List<string> problems)
    {
        var regions = new List<string>();
        foreach (var arn in settings.NotificationTopicArns)
        {
            if (Region(arn) is { } region)
            {
                regions.Add(region);
            }
            else
            {
                problems.Add($"notificationTopicArn must be SNS topic ARNs (arn:aws:sns:REGION:ACCOUNT:NAME, comma-separated), not '{arn}'");
            }
        }

        if (regions.GroupBy(r => r, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList() is { Count: > 0 } twice)
        {
            problems.Add($"notificationTopicArn names several topics in {string.Join(", ", twice)}: one per region");
        }

        if (regions.Count > 0 && settings.Regions.Except(regions, StringComparer.Ordinal).ToList() is { Count: > 0 } missing)
        {
            problems.Add($"notificationTopicArn has no topic in {string.Join(", ", missing)}: a CloudWatch alarm notifies a topic of its own region only, so give one topic per region deployed");
        }
    }

    /// <summary>The topic the stack's alarms notify, or none.</summary>
    public static ITopic? For(Stack stack, DeploymentSettings settings)
    {
        if (settings.NotificationTopicArns.Count > 0)
        {
            return Topic.FromTopicArn(stack, "Notifications", Existing(stack, settings.NotificationTopicArns));
        }

        return settings.NotificationEmail is { } email ? Create(stack, email) : null;
    }

    /// <summary>The existing topic of the stack's region; an environment-agnostic stack can take only one topic.</summary>
    private static string Existing(Stack stack, IReadOnlyList<string> arns)
    {
        if (Token.IsUnresolved(stack.Region))
        {
            return arns.Count == 1
                ? arns[0]
                : throw new InvalidRequestException("notificationTopicArn names several topics, and this stack has no region to choose by: set regions.");
        }

        return arns.SingleOrDefault(arn => Region(arn) == stack.Region)
            ?? throw new InvalidRequestException(
                $"notificationTopicArn has no topic in {stack.Region}: a CloudWatch alarm notifies a topic of its own region only, so give one topic per region deployed.");
    }

    /// <summary>
    /// A topic with the address subscribed, and its policy written out: CDK 2.160 synthesizes no policy for the topic's
    /// EnforceSSL, so the deny of unencrypted requests is stated here, and a topic policy replaces SNS's default one,
    /// so CloudWatch's publishing for this account's alarms is stated too
    /// (https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html#enforce-encryption-data-in-transit).
    /// The email subscription stays pending until the address confirms it.
    /// </summary>
    private static Topic Create(Stack stack, string email)
    {
        var topic = new Topic(stack, "Notifications", new TopicProps { DisplayName = "EC2 isolation alarms" });
        topic.AddSubscription(new EmailSubscription(email));
        _ = new TopicPolicy(stack, "NotificationsPolicy", new TopicPolicyProps
        {
            Topics = [topic],
            PolicyDocument = new PolicyDocument(new PolicyDocumentProps
            {
                Statements =
                [
                    new PolicyStatement(new PolicyStatementProps
                    {
                        Sid = "CloudWatchAlarmsOfThisAccount",
                        Principals = [new ServicePrincipal("cloudwatch.amazonaws.com")],
                        Actions = ["sns:Publish"],
                        Resources = [topic.TopicArn],
                        Conditions = new Dictionary<string, object>
                        {
                            ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = stack.Account },
                        },
                    }),
                    new PolicyStatement(new PolicyStatementProps
                    {
                        Sid = "DenyWithoutTls",
                        Effect = Effect.DENY,
                        Principals = [new AnyPrincipal()],
                        Actions = ["sns:Publish", "sns:Subscribe"],
                        Resources = [topic.TopicArn],
                        Conditions = new Dictionary<string, object>
                        {
                            ["Bool"] = new Dictionary<string, object> { ["aws:SecureTransport"] = "false" },
                        },
                    }),
                ],
            }),
        });
        _ = new CfnOutput(stack, "NotificationTopicArn", new CfnOutputProps
        {
            Value = topic.TopicArn,
            Description = "The alarms' topic: its email subscription stays pending, delivering nothing, until the address opens the link SNS sent it",
        });
        return topic;
    }

    private static string? Region(string arn) => TopicArn().Match(arn) is { Success: true } match ? match.Groups["region"].Value : null;

    [GeneratedRegex(@"^arn:aws[a-z-]*:sns:(?<region>[a-z]{2}(-[a-z]+)+-\d):\d{12}:[\w-]{1,256}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TopicArn();
}
