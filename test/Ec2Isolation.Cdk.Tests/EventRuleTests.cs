using Amazon.CDK.Assertions;

namespace Ec2Isolation.Cdk.Tests;

[Collection(SynthesizedStacks.Collection)]
public sealed class EventRuleTests(SynthesizedStacks stacks)
{
    [Fact]
    public void TagChangeRule_MatchesTheTriggerKeyAndItsValue()
    {
        HasPattern(stacks.Defaults.Template, """
            {"source":["aws.tag"],"detail-type":["Tag Change on Resource"],
             "detail":{"service":["ec2"],"resource-type":["instance"],"changed-tag-keys":["ec2-isolation"],"tags":{"ec2-isolation":["isolate"]}}}
            """);
        HasPattern(stacks.Configured.Template, """
            {"source":["aws.tag"],"detail-type":["Tag Change on Resource"],
             "detail":{"service":["ec2"],"resource-type":["instance"],"changed-tag-keys":["quarantine"],"tags":{"quarantine":["now"]}}}
            """);
    }

    [Fact]
    public void GuardDutyRule_MatchesInstanceFindingsAtOrAboveTheThreshold()
    {
        HasPattern(stacks.Defaults.Template, """
            {"source":["aws.guardduty"],"detail-type":["GuardDuty Finding"],
             "detail":{"resource":{"resourceType":["Instance"]},"severity":[{"numeric":[">=",7]}]}}
            """);
    }

    [Fact]
    public void GuardDutyRule_TypePrefixesGiven_MatchesOnlyThoseTypes()
    {
        HasPattern(stacks.Configured.Template, """
            {"source":["aws.guardduty"],"detail-type":["GuardDuty Finding"],
             "detail":{"resource":{"resourceType":["Instance"]},"severity":[{"numeric":[">=",8.5]}],
                       "type":[{"prefix":"Backdoor:EC2/"},{"prefix":"CryptoCurrency:EC2/"}]}}
            """);
    }

    [Fact]
    public void SweepRule_RunsAtTheConfiguredRate()
    {
        stacks.Defaults.Template.HasResourceProperties("AWS::Events::Rule", new Props { ["ScheduleExpression"] = "rate(15 minutes)" });
        stacks.Configured.Template.HasResourceProperties("AWS::Events::Rule", new Props { ["ScheduleExpression"] = "rate(5 minutes)" });
    }

    [Fact]
    public void EveryRule_TargetsTheFunctionWithRetriesAndItsOwnDeadLetterQueue()
    {
        var template = stacks.Defaults.Template;
        var function = Assert.Single(template.FindResources("AWS::Lambda::Function")).Key;
        var deadLetterQueues = new HashSet<string>();
        foreach (var rule in stacks.Defaults.Resources("AWS::Events::Rule").Values)
        {
            var target = Assert.Single(rule["Properties"]!["Targets"]!.AsArray())!;
            Assert.Equal(function, (string?)target["Arn"]!["Fn::GetAtt"]![0]);
            Assert.Equal(10, (int)target["RetryPolicy"]!["MaximumRetryAttempts"]!);
            Assert.Equal(7200, (int)target["RetryPolicy"]!["MaximumEventAgeInSeconds"]!);
            deadLetterQueues.Add((string)target["DeadLetterConfig"]!["Arn"]!["Fn::GetAtt"]![0]!);
        }

        Assert.Equal(6, deadLetterQueues.Count);
        Assert.All(deadLetterQueues, queue => Assert.Contains(queue, stacks.Defaults.Resources("AWS::SQS::Queue").Keys));
    }

    [Fact]
    public void DeadLetterQueues_AcceptOnlyTheirRule()
    {
        var rule = new Capture();
        stacks.Defaults.Template.HasResourceProperties("AWS::SQS::QueuePolicy", new Props
        {
            ["PolicyDocument"] = AMatch.ObjectLike(new Props
            {
                ["Statement"] = AMatch.ArrayWith([AMatch.ObjectLike(new Props
                {
                    ["Action"] = "sqs:SendMessage",
                    ["Effect"] = "Allow",
                    ["Principal"] = new Props { ["Service"] = "events.amazonaws.com" },
                    ["Condition"] = new Props { ["ArnEquals"] = new Props { ["aws:SourceArn"] = new Props { ["Fn::GetAtt"] = new object[] { rule, "Arn" } } } },
                })]),
            }),
        });
        Assert.Contains(rule.AsString(), stacks.Defaults.Resources("AWS::Events::Rule").Keys);
    }

    private static void HasPattern(Template template, string pattern) =>
        template.HasResourceProperties("AWS::Events::Rule", new Props { ["EventPattern"] = AMatch.ObjectEquals(CdkJson.Object(pattern)) });
}
