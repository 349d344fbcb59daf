using Ec2Isolation.Aws;

namespace Ec2Isolation.Cdk.Tests;

/// <summary>Issue 17 item 1: the continuation queue that finishes the EC2 evidence steps EC2 throttled.</summary>
[Collection(SynthesizedStacks.Collection)]
public sealed class ContinuationQueueTests(SynthesizedStacks stacks)
{
    [Fact]
    public void ContinuationQueue_VisibleAgainOnlyAfterSixFunctionTimeoutsAndDeadLettersAfterFiveDeliveries()
    {
        var template = stacks.Defaults.Template;
        var deadLetters = FunctionTests.Single(template, "AWS::SQS::Queue", "ContinuationDeadLetters");
        template.HasResourceProperties("AWS::SQS::Queue", new Props
        {
            ["VisibilityTimeout"] = 6 * Ec2IsolationStack.FunctionTimeoutSeconds,
            ["RedrivePolicy"] = new Props
            {
                ["deadLetterTargetArn"] = new Props { ["Fn::GetAtt"] = new[] { deadLetters, "Arn" } },
                ["maxReceiveCount"] = Ec2IsolationStack.ContinuationReceives,
            },
        });
        template.HasResourceProperties("AWS::CloudWatch::Alarm", new Props
        {
            ["MetricName"] = "ApproximateNumberOfMessagesVisible",
            ["Dimensions"] = new[] { new Props { ["Name"] = "QueueName", ["Value"] = new Props { ["Fn::GetAtt"] = new[] { deadLetters, "QueueName" } } } },
        });
    }

    [Fact]
    public void ContinuationQueue_ServedOneMessageAtATimeByAtMostTwoInvocations()
    {
        var template = stacks.Defaults.Template;
        template.ResourceCountIs("AWS::Lambda::EventSourceMapping", 1);
        template.HasResourceProperties("AWS::Lambda::EventSourceMapping", new Props
        {
            ["BatchSize"] = 1,
            ["ScalingConfig"] = new Props { ["MaximumConcurrency"] = Ec2IsolationStack.ContinuationConcurrency },
            ["EventSourceArn"] = new Props { ["Fn::GetAtt"] = new[] { FunctionTests.Single(template, "AWS::SQS::Queue", "Continuations"), "Arn" } },
            ["FunctionName"] = new Props { ["Ref"] = FunctionTests.Single(template, "AWS::Lambda::Function") },
        });
    }

    [Fact]
    public void FunctionPolicy_SendsToTheContinuationQueueAlone()
    {
        var queue = FunctionTests.Single(stacks.Defaults.Template, "AWS::SQS::Queue", "Continuations");
        var sends = stacks.Defaults.Resources("AWS::IAM::Policy").Values
            .SelectMany(policy => policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
            .Where(statement => statement!["Action"]!.ToJsonString() == $"\"{RequiredActions.Continuations.Single()}\"")
            .ToList();
        var send = Assert.Single(sends, statement => (string?)statement!["Resource"]!["Fn::GetAtt"]![0] == queue);
        Assert.Equal("Allow", (string?)send!["Effect"]);
    }

    [Fact]
    public void FunctionPolicy_PutsContinuationResultsOnTheResultBusAlone()
    {
        var bus = FunctionTests.Single(stacks.Defaults.Template, "AWS::Events::EventBus", "ResultBus");
        var puts = stacks.Defaults.Resources("AWS::IAM::Policy").Values
            .SelectMany(policy => policy["Properties"]!["PolicyDocument"]!["Statement"]!.AsArray())
            .Where(statement => statement!["Action"]!.ToJsonString() == $"\"{RequiredActions.ContinuationResults.Single()}\"")
            .ToList();
        var put = Assert.Single(puts);
        Assert.Equal(("Allow", bus), ((string?)put!["Effect"], (string?)put["Resource"]!["Fn::GetAtt"]![0]));
    }
}
