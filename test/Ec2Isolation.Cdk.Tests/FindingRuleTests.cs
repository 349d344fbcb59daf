using System.Text.Json.Nodes;
using Amazon.CDK;

namespace Ec2Isolation.Cdk.Tests;

/// <summary>The rules of findings naming several instances, and the member template's forwarding dead-letter queue.</summary>
[Collection(SynthesizedStacks.Collection)]
public sealed class FindingRuleTests(SynthesizedStacks stacks)
{
    [Fact]
    public void AttackSequenceRule_MatchesTheInstanceGroupTypeAtOrAboveTheThreshold()
    {
        stacks.Defaults.Template.HasResourceProperties("AWS::Events::Rule", new Props
        {
            ["EventPattern"] = AMatch.ObjectEquals(CdkJson.Object("""
                {"source":["aws.guardduty"],"detail-type":["GuardDuty Finding"],
                 "detail":{"type":["AttackSequence:EC2/CompromisedInstanceGroup"],"severity":[{"numeric":[">=",7]}]}}
                """)),
        });
        Assert.Equal("true", Variable(stacks.Defaults, "EC2ISOLATION_ATTACK_SEQUENCES"));
    }

    [Fact]
    public void AttackSequencesOff_NoRuleAndTheFunctionToldSo()
    {
        Assert.DoesNotContain(stacks.Configured.Resources("AWS::Events::Rule").Values, rule => rule.ToJsonString().Contains("AttackSequence", StringComparison.Ordinal));
        Assert.Equal("false", Variable(stacks.Configured, "EC2ISOLATION_ATTACK_SEQUENCES"));
    }

    [Fact]
    public void SecurityHubAction_CreatedWithItsIdAndMatchedByArnOnly()
    {
        var action = Assert.Single(stacks.Defaults.Resources("AWS::SecurityHub::ActionTarget").Values);
        Assert.Equal("Ec2Isolate", (string?)action["Properties"]!["Id"]);
        Assert.InRange(((string?)action["Properties"]!["Name"])!.Length, 1, 20);
        Assert.Equal("Ec2Isolate", Variable(stacks.Defaults, "EC2ISOLATION_SECURITYHUB_ACTION_ID"));

        var rule = Assert.Single(stacks.Defaults.Resources("AWS::Events::Rule").Values, r => r["Properties"]!["EventPattern"]?["source"]?[0]?.GetValue<string>() == "aws.securityhub");
        var pattern = rule["Properties"]!["EventPattern"]!;
        Assert.Equal("Security Hub Findings - Custom Action", (string?)pattern["detail-type"]![0]);
        Assert.EndsWith(":action/custom/Ec2Isolate", OrganizationTests.Joined(pattern["resources"]![0]), StringComparison.Ordinal);
        Assert.StartsWith("arn:", OrganizationTests.Joined(pattern["resources"]![0]), StringComparison.Ordinal);
        Assert.Contains(":securityhub:", OrganizationTests.Joined(pattern["resources"]![0]), StringComparison.Ordinal);
    }

    [Fact]
    public void SecurityHubActionIdConfigured_ThatIdCreatedMatchedAndPassed()
    {
        Assert.Equal("SocIsolate", (string?)Assert.Single(stacks.Configured.Resources("AWS::SecurityHub::ActionTarget").Values)["Properties"]!["Id"]);
        Assert.Equal("SocIsolate", Variable(stacks.Configured, "EC2ISOLATION_SECURITYHUB_ACTION_ID"));
    }

    [Fact]
    public void SecurityHubAction_GrantsTheFunctionNothingNew()
    {
        // Isolating a Security Hub finding's instances is the same isolation: no role or policy names a securityhub action.
        var iam = stacks.Defaults.Resources("AWS::IAM::Role").Values.Concat(stacks.Defaults.Resources("AWS::IAM::Policy").Values);
        Assert.All(iam, resource => Assert.DoesNotContain("\"securityhub:", resource.ToJsonString(), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("securityHubActionId", "none", null)]
    [InlineData("attackSequences", "false", null)]
    [InlineData("securityHubActionId", "Isolate-EC2", "securityHubActionId must be a custom action id")]
    [InlineData("securityHubActionId", "ThisIdIsLongerThanTwenty", "securityHubActionId must be a custom action id")]
    [InlineData("attackSequences", "maybe", "attackSequences must be true or false")]
    public void FromContext_EventKindKeys_ReadOrNamed(string key, string value, string? message)
    {
        var app = new App(new AppProps { Context = new Dictionary<string, object> { [key] = value } });

        if (message is null)
        {
            var settings = DeploymentSettings.FromContext(app.Node);
            Assert.True(settings.SecurityHubActionId is null || !settings.AttackSequences);
        }
        else
        {
            var error = Assert.Throws<Core.InvalidRequestException>(() => DeploymentSettings.FromContext(app.Node));
            Assert.Contains(message, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TamperingRule_MatchesTheCallsThatCouldUndoAnIsolationAndTheTriggerTagsCreateTagsButNotTheFunctionsOwn()
    {
        var (functionId, _) = Assert.Single(stacks.Defaults.Resources("AWS::Lambda::Function"));
        var role = (string)stacks.Defaults.Json["Resources"]![functionId]!["Properties"]!["Role"]!["Fn::GetAtt"]![0]!;
        stacks.Defaults.Template.HasResourceProperties("AWS::Events::Rule", new Props
        {
            ["EventPattern"] = AMatch.ObjectEquals(TamperPattern("ec2-isolation", "isolate", new Props { ["Fn::GetAtt"] = new[] { role, "Arn" } })),
        });
        Assert.Contains("TerminateInstances", Core.Events.IsolationEventProcessor.TamperingCallNames);
        var told = Assert.Single(stacks.Defaults.Resources("AWS::Lambda::Function").Values)["Properties"]!["Environment"]!["Variables"]!["EC2ISOLATION_FUNCTION_ROLE_ARN"]!;
        Assert.Equal(role, (string?)told["Fn::GetAtt"]![0]);
    }

    [Fact]
    public void MemberStack_ForwardsCloudTrailEventsLeavingOutItsExecutionRolesCalls()
    {
        var (roleId, _) = Assert.Single(stacks.Member.Resources("AWS::IAM::Role"), r => r.Key.StartsWith("ExecutionRole", StringComparison.Ordinal));
        var (_, rule) = Assert.Single(stacks.Member.Resources("AWS::Events::Rule"), r => r.Key.StartsWith("ForwardTampering", StringComparison.Ordinal));

        stacks.Member.Template.HasResource("AWS::Events::Rule", new Props
        {
            ["Condition"] = "NotCentralAccount",
            ["Properties"] = AMatch.ObjectLike(new Props
            {
                ["EventPattern"] = AMatch.ObjectEquals(TamperPattern("ec2-isolation", "isolate", new Props { ["Fn::GetAtt"] = new[] { roleId, "Arn" } })),
            }),
        });
        Assert.Equal("NotCentralAccount", (string?)rule["Condition"]);
    }

    [Fact]
    public void CentralStack_MembersCloudTrailEventsOnTheOrganizationBusFromTheListedAccountsOnly()
    {
        var (_, rule) = Assert.Single(stacks.Central.Resources("AWS::Events::Rule"), r => r.Key.StartsWith("MemberTampering", StringComparison.Ordinal));
        var pattern = rule["Properties"]!["EventPattern"]!;

        Assert.Equal(["111111111111", "222222222222"], pattern["account"]!.AsArray().Select(a => (string?)a));
        Assert.Equal("AWS API Call via CloudTrail", (string?)pattern["detail-type"]![0]);
        Assert.NotNull(rule["Properties"]!["EventBusName"]);
    }

    /// <summary>The tamper rule's pattern: the calls, or CreateTags with the trigger tag, by anyone but the role (or with no session issuer).</summary>
    private static Props TamperPattern(string tagKey, string tagValue, object ownRoleArn) => new()
    {
        ["source"] = new[] { "aws.ec2" },
        ["detail-type"] = new[] { "AWS API Call via CloudTrail" },
        ["detail"] = new Props
        {
            ["eventSource"] = new[] { "ec2.amazonaws.com" },
            ["userIdentity"] = new Props
            {
                ["sessionContext"] = new Props
                {
                    ["sessionIssuer"] = new Props { ["arn"] = new object[] { new Props { ["anything-but"] = ownRoleArn }, new Props { ["exists"] = false } } },
                },
            },
            ["$or"] = new object[]
            {
                new Props { ["eventName"] = Core.Events.IsolationEventProcessor.TamperingCallNames.ToArray() },
                new Props
                {
                    ["eventName"] = new[] { "CreateTags" },
                    ["requestParameters"] = new Props { ["tagSet"] = new Props { ["items"] = new Props { ["key"] = new[] { tagKey }, ["value"] = new[] { tagValue } } } },
                },
            },
        },
    };

    [Fact]
    public void MemberStack_EachForwardingRuleHasADeadLetterQueueAcceptingOnlyItAndAnAlarm()
    {
        var member = stacks.Member;
        Assert.Equal(2, member.Resources("AWS::Events::Rule").Count);
        foreach (var (ruleId, rule) in member.Resources("AWS::Events::Rule"))
        {
            ForwardingRuleHasADeadLetterQueueAndAnAlarm(member, ruleId, rule);
        }
    }

    private static void ForwardingRuleHasADeadLetterQueueAndAnAlarm(StackTemplate member, string ruleId, JsonNode rule)
    {
        var queue = (string)rule["Properties"]!["Targets"]![0]!["DeadLetterConfig"]!["Arn"]!["Fn::GetAtt"]![0]!;
        Assert.Contains(queue, member.Resources("AWS::SQS::Queue").Keys);
        member.Template.HasResourceProperties("AWS::SQS::Queue", new Props { ["SqsManagedSseEnabled"] = true });
        member.Template.HasResourceProperties("AWS::SQS::QueuePolicy", new Props
        {
            ["PolicyDocument"] = AMatch.ObjectLike(new Props
            {
                ["Statement"] = AMatch.ArrayWith([AMatch.ObjectLike(new Props
                {
                    ["Action"] = "sqs:SendMessage",
                    ["Principal"] = new Props { ["Service"] = "events.amazonaws.com" },
                    ["Condition"] = new Props { ["ArnEquals"] = new Props { ["aws:SourceArn"] = new Props { ["Fn::GetAtt"] = new[] { ruleId, "Arn" } } } },
                })]),
            }),
        });
        member.Template.HasResourceProperties("AWS::CloudWatch::Alarm", new Props
        {
            ["Namespace"] = "AWS/SQS",
            ["MetricName"] = "ApproximateNumberOfMessagesVisible",
            ["Threshold"] = 0,
            ["ComparisonOperator"] = "GreaterThanThreshold",
            ["Dimensions"] = new[] { new Props { ["Name"] = "QueueName", ["Value"] = new Props { ["Fn::GetAtt"] = new[] { queue, "QueueName" } } } },
        });
    }

    private static string? Variable(StackTemplate stack, string name) =>
        (string?)Assert.Single(stack.Resources("AWS::Lambda::Function").Values)["Properties"]!["Environment"]!["Variables"]![name];
}
