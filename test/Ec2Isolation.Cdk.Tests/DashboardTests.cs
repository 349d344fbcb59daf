using System.Text.Json.Nodes;

namespace Ec2Isolation.Cdk.Tests;

/// <summary>The dashboard and the time-to-containment alarm, over the metrics the function writes into its log (docs/metrics.md).</summary>
[Collection(SynthesizedStacks.Collection)]
public sealed class DashboardTests(SynthesizedStacks stacks)
{
    [Fact]
    public void TimeToContainmentAlarm_Defaults_P99OfTheFunctionsMetricAbove60Seconds()
    {
        var template = stacks.Defaults.Template;
        template.HasResourceProperties("AWS::CloudWatch::Alarm", new Props
        {
            ["Namespace"] = "Ec2Isolation",
            ["MetricName"] = "TimeToContainment",
            ["ExtendedStatistic"] = "p99",
            ["Period"] = 300,
            ["Threshold"] = 60000,
            ["ComparisonOperator"] = "GreaterThanThreshold",
            ["TreatMissingData"] = "notBreaching",
            ["Dimensions"] = new[] { new Props { ["Name"] = "FunctionName", ["Value"] = new Props { ["Ref"] = FunctionTests.Single(template, "AWS::Lambda::Function") } } },
        });
    }

    [Fact]
    public void TimeToContainmentAlarm_SettingAndTopic_ThresholdFromTheSettingNotifyingTheTopic()
    {
        var template = stacks.Configured.Template;
        template.HasResourceProperties("AWS::CloudWatch::Alarm", new Props
        {
            ["MetricName"] = "TimeToContainment",
            ["Threshold"] = SynthesizedStacks.ConfiguredSettings.ContainmentAlarmSeconds * 1000,
            ["AlarmActions"] = new[] { new Props { ["Ref"] = FunctionTests.Single(template, "AWS::SNS::Topic") } },
        });
    }

    [Fact]
    public void Dashboard_Defaults_GraphsOutcomesContainmentPercentilesFailuresThrottlingAndEveryQueue()
    {
        var body = DashboardBody(stacks.Defaults);

        foreach (var expected in new[]
        {
            "\"Ec2Isolation\",\"Isolations\",\"FunctionName\"", "\"Outcome\",\"isolated\"", "\"Outcome\",\"failed\"", "\"Outcome\",\"incomplete\"",
            "\"TimeToContainment\"", "\"stat\":\"p50\"", "\"stat\":\"p99\"", "\"TimeToIsolation\"", "\"ThrottledCalls\"",
            "\"AWS/Lambda\",\"Errors\"", "\"AWS/Lambda\",\"Throttles\"", "\"value\":60000",
        })
        {
            Assert.Contains(expected, body, StringComparison.Ordinal);
        }

        Assert.All(stacks.Defaults.Resources("AWS::SQS::Queue").Keys, queue => Assert.Contains($"\"label\":\"{queue[..^8]}", body, StringComparison.Ordinal));
    }

    [Fact]
    public void Dashboard_CentralAndMemberStacks_WithTheFunctionOnly()
    {
        stacks.Central.Template.ResourceCountIs("AWS::CloudWatch::Dashboard", 1);
        stacks.Member.Template.ResourceCountIs("AWS::CloudWatch::Dashboard", 0);
        stacks.Defaults.Template.HasOutput("DashboardName", new Props());
    }

    /// <summary>The dashboard's body as CloudFormation will send it, its tokens (the function's and queues' names) left as their references.</summary>
    private static string DashboardBody(StackTemplate stack)
    {
        var dashboard = Assert.Single(stack.Resources("AWS::CloudWatch::Dashboard")).Value;
        var join = dashboard["Properties"]!["DashboardBody"]!["Fn::Join"]!.AsArray()[1]!.AsArray();
        return string.Concat(join.Select(part => part is JsonValue text ? text.GetValue<string>() : part!.ToJsonString()));
    }
}
