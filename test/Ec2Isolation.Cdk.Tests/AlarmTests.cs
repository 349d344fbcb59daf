namespace Ec2Isolation.Cdk.Tests;

[Collection(SynthesizedStacks.Collection)]
public sealed class AlarmTests(SynthesizedStacks stacks)
{
    [Fact]
    public void Alarms_FireOnFunctionErrorsUndeliveredRecordsAndAnyMessageInTheQueues()
    {
        var template = stacks.Defaults.Template;
        template.ResourceCountIs("AWS::CloudWatch::Alarm", 9);
        template.AllResourcesProperties("AWS::CloudWatch::Alarm", new Props
        {
            ["ComparisonOperator"] = "GreaterThanThreshold",
            ["Threshold"] = 0,
            ["EvaluationPeriods"] = 1,
            ["TreatMissingData"] = "notBreaching",
        });
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
        foreach (var queue in stacks.Defaults.Resources("AWS::SQS::Queue").Keys)
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
    public void NotificationTopicArn_EveryAlarmNotifiesTheExistingTopic()
    {
        stacks.ExistingTopic.Template.ResourceCountIs("AWS::SNS::Topic", 0);
        stacks.ExistingTopic.Template.AllResourcesProperties("AWS::CloudWatch::Alarm", new Props { ["AlarmActions"] = new[] { SynthesizedStacks.ExistingTopicArn } });
    }
}
