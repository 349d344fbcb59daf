namespace Ec2Isolation.Cdk.Tests;

[Collection(SynthesizedStacks.Collection)]
public sealed class AlarmTests(SynthesizedStacks stacks)
{
    [Fact]
    public void Alarms_FireOnFunctionErrorsUndeliveredRecordsAndAnyMessageInTheQueues()
    {
        var template = stacks.Defaults.Template;
        template.ResourceCountIs("AWS::CloudWatch::Alarm", 12);
        // Every one but the time-to-containment alarm (DashboardTests) fires on anything above zero.
        var alarms = stacks.Defaults.Resources("AWS::CloudWatch::Alarm").Values.Select(alarm => alarm["Properties"]!)
            .Where(alarm => (string?)alarm["MetricName"] != "TimeToContainment").ToList();
        Assert.Equal(11, alarms.Count);
        Assert.All(alarms, alarm => Assert.Equal(
            ("GreaterThanThreshold", 0, 1, "notBreaching"),
            ((string?)alarm["ComparisonOperator"], (int)alarm["Threshold"]!, (int)alarm["EvaluationPeriods"]!, (string?)alarm["TreatMissingData"])));
        template.HasResourceProperties("AWS::CloudWatch::Alarm", new Props
        {
            ["Namespace"] = "AWS/Lambda",
            ["MetricName"] = "Errors",
            ["Dimensions"] = new[] { new Props { ["Name"] = "FunctionName", ["Value"] = new Props { ["Ref"] = FunctionTests.Single(template, "AWS::Lambda::Function") } } },
        });
        template.HasResourceProperties("AWS::CloudWatch::Alarm", new Props
        {
            ["Namespace"] = "AWS/Lambda",
            ["MetricName"] = "DestinationDeliveryFailures",
            ["Statistic"] = "Sum",
            ["Dimensions"] = new[] { new Props { ["Name"] = "FunctionName", ["Value"] = new Props { ["Ref"] = FunctionTests.Single(template, "AWS::Lambda::Function") } } },
        });
        template.HasResourceProperties("AWS::CloudWatch::Alarm", new Props
        {
            ["Namespace"] = "AWS/Lambda",
            ["MetricName"] = "DestinationDeliveryFailures",
            ["Statistic"] = "Sum",
            ["Dimensions"] = new[] { new Props { ["Name"] = "FunctionName", ["Value"] = new Props { ["Ref"] = FunctionTests.Single(template, "AWS::Lambda::Function") } } },
        });
        template.HasResourceProperties("AWS::CloudWatch::Alarm", new Props
        {
            ["Namespace"] = "Ec2Isolation",
            ["MetricName"] = "UncoveredAccountRefusals",
            ["Statistic"] = "Sum",
            ["Dimensions"] = new[] { new Props { ["Name"] = "FunctionName", ["Value"] = new Props { ["Ref"] = FunctionTests.Single(template, "AWS::Lambda::Function") } } },
        });
        // The continuation queue is a work queue, busy in every outbreak: its dead-letter queue carries the alarm.
        foreach (var queue in stacks.Defaults.Resources("AWS::SQS::Queue").Keys.Where(id => !id.StartsWith("Continuations", StringComparison.Ordinal)))
        {
            template.HasResourceProperties("AWS::CloudWatch::Alarm", new Props
            {
                ["Namespace"] = "AWS/SQS",
                ["MetricName"] = "ApproximateNumberOfMessagesVisible",
                ["Dimensions"] = new[] { new Props { ["Name"] = "QueueName", ["Value"] = new Props { ["Fn::GetAtt"] = new[] { queue, "QueueName" } } } },
            });
        }
    }

    [Fact]
    public void NoNotificationSetting_NoTopicAndNoAlarmAction()
    {
        stacks.Defaults.Template.ResourceCountIs("AWS::SNS::Topic", 0);
        stacks.Defaults.Template.AllResourcesProperties("AWS::CloudWatch::Alarm", new Props { ["AlarmActions"] = AMatch.Absent() });
    }

    [Fact]
    public void NotificationEmail_TopicWithTheSubscriptionNotifiedByEveryAlarm()
    {
        var template = stacks.Configured.Template;
        var topic = FunctionTests.Single(template, "AWS::SNS::Topic");
        template.HasResourceProperties("AWS::SNS::Subscription", new Props
        {
            ["Protocol"] = "email",
            ["Endpoint"] = "soc@example.com",
            ["TopicArn"] = new Props { ["Ref"] = topic },
        });
        template.AllResourcesProperties("AWS::CloudWatch::Alarm", new Props { ["AlarmActions"] = new[] { new Props { ["Ref"] = topic } } });
    }

    [Fact]
    public void NotificationEmail_TopicPolicyDeniesRequestsWithoutTlsAndLetsThisAccountsAlarmsPublish()
    {
        // CDK 2.160's EnforceSSL synthesizes no policy at all: the stack writes it.
        var template = stacks.Configured.Template;
        var topic = FunctionTests.Single(template, "AWS::SNS::Topic");
        template.HasResourceProperties("AWS::SNS::TopicPolicy", new Props
        {
            ["Topics"] = new[] { new Props { ["Ref"] = topic } },
            ["PolicyDocument"] = AMatch.ObjectLike(new Props
            {
                ["Statement"] = AMatch.ArrayWith(new object[]
                {
                    AMatch.ObjectLike(new Props
                    {
                        ["Effect"] = "Allow",
                        ["Principal"] = new Props { ["Service"] = "cloudwatch.amazonaws.com" },
                        ["Action"] = "sns:Publish",
                    }),
                    AMatch.ObjectLike(new Props
                    {
                        ["Effect"] = "Deny",
                        ["Principal"] = new Props { ["AWS"] = "*" },
                        ["Action"] = AMatch.ArrayWith(new object[] { "sns:Publish" }),
                        ["Condition"] = new Props { ["Bool"] = new Props { ["aws:SecureTransport"] = "false" } },
                    }),
                }),
            }),
        });
    }

    [Fact]
    public void NotificationEmail_OutputSaysTheSubscriptionIsPendingUntilConfirmed() =>
        stacks.Configured.Template.HasOutput("NotificationTopicArn", new Props { ["Description"] = AMatch.StringLikeRegexp("pending.*until the address") });

    [Fact]
    public void NotificationTopicArn_EveryAlarmNotifiesTheExistingTopic()
    {
        stacks.ExistingTopic.Template.ResourceCountIs("AWS::SNS::Topic", 0);
        stacks.ExistingTopic.Template.AllResourcesProperties("AWS::CloudWatch::Alarm", new Props { ["AlarmActions"] = new[] { SynthesizedStacks.ExistingTopicArn } });
    }
}
