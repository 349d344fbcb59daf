using Amazon.CDK.Assertions;
using Ec2Isolation.Core.Notifications;

namespace Ec2Isolation.Cdk.Tests;

[Collection(SynthesizedStacks.Collection)]
public sealed class FunctionTests(SynthesizedStacks stacks)
{
    [Fact]
    public void Function_IsTheNativeAotBootstrapOnProvidedAl2023()
    {
        stacks.Defaults.Template.HasResourceProperties("AWS::Lambda::Function", new Props
        {
            ["Runtime"] = "provided.al2023",
            ["Architectures"] = new[] { "x86_64" },
            ["Handler"] = "bootstrap",
            ["MemorySize"] = 512,
            ["Timeout"] = 90,
        });
    }

    [Fact]
    public void ReservedConcurrency_Default_ReservesNoneSoThatAnyAccountCanDeploy()
    {
        // Lambda keeps 100 of an account's concurrency unreserved: reserving 20 fails wherever the limit is under 120.
        Assert.Equal(0, DeploymentSettings.Defaults.ReservedConcurrency);
        stacks.Defaults.Template.HasResourceProperties("AWS::Lambda::Function", new Props { ["ReservedConcurrentExecutions"] = AMatch.Absent() });
    }

    [Fact]
    public void ReservedConcurrency_Configured_ReservesThatMany() =>
        stacks.Configured.Template.HasResourceProperties("AWS::Lambda::Function", new Props { ["ReservedConcurrentExecutions"] = 5 });

    [Fact]
    public void ReservedConcurrency_Zero_ReservesNone() =>
        stacks.ExistingTopic.Template.HasResourceProperties("AWS::Lambda::Function", new Props { ["ReservedConcurrentExecutions"] = AMatch.Absent() });

    [Fact]
    public void LeaseSeconds_OutlastTheLongestTimeout() =>
        Assert.True(Ec2IsolationStack.LeaseSeconds > Ec2IsolationStack.FunctionTimeout(SynthesizedStacks.ConfiguredSettings));

    [Fact]
    public void Timeout_NotifiersConfigured_LeavesRoomForTheLastNotices()
    {
        stacks.Configured.Template.HasResourceProperties("AWS::Lambda::Function", new Props { ["Timeout"] = 110 });
        Assert.Equal(
            NoticeTiming.SettleBound(NoticeTiming.DefaultTimeout),
            TimeSpan.FromSeconds(Ec2IsolationStack.FunctionTimeout(SynthesizedStacks.ConfiguredSettings) - Ec2IsolationStack.FunctionTimeoutSeconds));
    }

    [Fact]
    public void Environment_Defaults_OmitsTheOptionalSettings()
    {
        var table = Single(stacks.Defaults.Template, "AWS::DynamoDB::Table");
        var profile = Single(stacks.Defaults.Template, "AWS::IAM::InstanceProfile");
        stacks.Defaults.Template.HasResourceProperties("AWS::Lambda::Function", new Props
        {
            ["Environment"] = new Props
            {
                ["Variables"] = AMatch.ObjectEquals(new Props
                {
                    ["EC2ISOLATION_TABLE"] = new Props { ["Ref"] = table },
                    ["EC2ISOLATION_INSTANCE_PROFILE"] = new Props { ["Ref"] = profile },
                    ["EC2ISOLATION_TAG_KEY"] = "ec2-isolation",
                    ["EC2ISOLATION_TAG_VALUE"] = "isolate",
                    ["EC2ISOLATION_SNAPSHOTS"] = "true",
                    ["EC2ISOLATION_LEASE_SECONDS"] = "120",
                    ["EC2ISOLATION_GUARDDUTY_MIN_SEVERITY"] = "7",
                    ["EC2ISOLATION_ATTACK_SEQUENCES"] = "true",
                    ["EC2ISOLATION_SECURITYHUB_ACTION_ID"] = "Ec2Isolate",
                    ["EC2ISOLATION_FUNCTION_ROLE_ARN"] = new Props { ["Fn::GetAtt"] = new[] { Single(stacks.Defaults.Template, "AWS::IAM::Role", "FunctionRole"), "Arn" } },
                    ["EC2ISOLATION_CONTINUATION_QUEUE_URL"] = new Props { ["Ref"] = Single(stacks.Defaults.Template, "AWS::SQS::Queue", "Continuations") },
                    ["EC2ISOLATION_RESULT_BUS_NAME"] = new Props { ["Ref"] = Single(stacks.Defaults.Template, "AWS::Events::EventBus", "ResultBus") },
                }),
            },
        });
    }

    [Fact]
    public void Environment_Configured_PassesEverySetting()
    {
        stacks.Configured.Template.HasResourceProperties("AWS::Lambda::Function", new Props
        {
            ["Environment"] = new Props
            {
                ["Variables"] = AMatch.ObjectLike(new Props
                {
                    ["EC2ISOLATION_TAG_KEY"] = "quarantine",
                    ["EC2ISOLATION_TAG_VALUE"] = "now",
                    ["EC2ISOLATION_SNAPSHOTS"] = "false",
                    ["EC2ISOLATION_GUARDDUTY_MIN_SEVERITY"] = "8.5",
                    ["EC2ISOLATION_GUARDDUTY_TYPE_PREFIXES"] = "Backdoor:EC2/,CryptoCurrency:EC2/",
                    ["EC2ISOLATION_FORENSIC_INGRESS"] = "10.9.0.0/24:22",
                    ["EC2ISOLATION_SLACK_WEBHOOK_PARAMETER"] = "/ec2-isolation/slack-webhook",
                    ["EC2ISOLATION_JIRA_URL"] = "https://example.atlassian.net",
                    ["EC2ISOLATION_JIRA_PROJECT"] = "SEC",
                    ["EC2ISOLATION_JIRA_USER"] = "soc@example.com",
                    ["EC2ISOLATION_JIRA_TOKEN_PARAMETER"] = SynthesizedStacks.JiraTokenParameterArn,
                    ["EC2ISOLATION_JIRA_ISSUE_TYPE"] = "Incident",
                }),
            },
        });
    }

    [Fact]
    public void LogGroup_IsKeptForAYearAndRetained()
    {
        var template = stacks.Defaults.Template;
        template.HasResource("AWS::Logs::LogGroup", new Props
        {
            ["Properties"] = new Props { ["RetentionInDays"] = 365 },
            ["DeletionPolicy"] = "Retain",
            ["UpdateReplacePolicy"] = "Retain",
        });
        template.HasResourceProperties("AWS::Lambda::Function", new Props
        {
            ["LoggingConfig"] = new Props { ["LogGroup"] = new Props { ["Ref"] = Single(template, "AWS::Logs::LogGroup") } },
        });
    }

    [Fact]
    public void AsyncInvocations_RetryTwiceThenGoToTheFailureQueue_SuccessesToTheResultBus()
    {
        var template = stacks.Defaults.Template;
        var (queue, bus) = (new Capture(), new Capture());
        template.ResourceCountIs("AWS::Lambda::EventInvokeConfig", 1);
        template.HasResourceProperties("AWS::Lambda::EventInvokeConfig", new Props
        {
            ["FunctionName"] = new Props { ["Ref"] = Single(template, "AWS::Lambda::Function") },
            ["Qualifier"] = "$LATEST",
            ["MaximumRetryAttempts"] = 2,
            ["MaximumEventAgeInSeconds"] = 6 * 3600,
            ["DestinationConfig"] = AMatch.ObjectEquals(new Props
            {
                ["OnFailure"] = new Props { ["Destination"] = new Props { ["Fn::GetAtt"] = new object[] { queue, "Arn" } } },
                ["OnSuccess"] = new Props { ["Destination"] = new Props { ["Fn::GetAtt"] = new object[] { bus, "Arn" } } },
            }),
        });
        Assert.StartsWith("FailedInvocations", queue.AsString(), StringComparison.Ordinal);
        Assert.Contains(queue.AsString(), stacks.Defaults.Resources("AWS::SQS::Queue").Keys);
        Assert.Equal(Single(template, "AWS::Events::EventBus"), bus.AsString());
    }

    [Fact]
    public void FailureQueue_EncryptedTlsOnlyKeptFourteenDays()
    {
        var queue = Assert.Single(stacks.Defaults.Resources("AWS::SQS::Queue"), q => q.Key.StartsWith("FailedInvocations", StringComparison.Ordinal));
        Assert.True((bool)queue.Value["Properties"]!["SqsManagedSseEnabled"]!);
        Assert.Equal(14 * 24 * 3600, (int)queue.Value["Properties"]!["MessageRetentionPeriod"]!);
        stacks.Defaults.Template.HasResourceProperties("AWS::SQS::QueuePolicy", new Props
        {
            ["Queues"] = new[] { new Props { ["Ref"] = queue.Key } },
            ["PolicyDocument"] = new Props
            {
                ["Statement"] = AMatch.ArrayWith([AMatch.ObjectLike(new Props
                {
                    ["Effect"] = "Deny",
                    ["Condition"] = new Props { ["Bool"] = new Props { ["aws:SecureTransport"] = "false" } },
                })]),
            },
        });
    }

    [Fact]
    public void ResultBus_IsTheStacksOwnAndOnlyTheFunctionPutsOnIt()
    {
        var template = stacks.Defaults.Template;
        var bus = Single(template, "AWS::Events::EventBus");
        template.HasResourceProperties("AWS::IAM::Policy", new Props
        {
            ["Roles"] = new[] { new Props { ["Ref"] = Single(template, "AWS::IAM::Role", "FunctionRole") } },
            ["PolicyDocument"] = new Props
            {
                ["Statement"] = AMatch.ArrayWith([AMatch.ObjectEquals(new Props
                {
                    ["Action"] = "events:PutEvents",
                    ["Effect"] = "Allow",
                    ["Resource"] = new Props { ["Fn::GetAtt"] = new[] { bus, "Arn" } },
                })]),
            },
        });
        template.ResourceCountIs("AWS::Events::EventBusPolicy", 0);
    }

    [Fact]
    public void Outputs_NameTheTableTheProfileAndTheFunction()
    {
        var template = stacks.Defaults.Template;
        foreach (var (output, type) in new[]
        {
            ("TableName", "AWS::DynamoDB::Table"),
            ("IsolationInstanceProfileName", "AWS::IAM::InstanceProfile"),
            ("FunctionName", "AWS::Lambda::Function"),
            ("ResultBusName", "AWS::Events::EventBus"),
        })
        {
            template.HasOutput(output, new Props { ["Value"] = new Props { ["Ref"] = Single(template, type) } });
        }

        template.HasOutput("ResultBusArn", new Props { ["Value"] = new Props { ["Fn::GetAtt"] = new[] { Single(template, "AWS::Events::EventBus"), "Arn" } } });
        template.HasOutput("FailedInvocationsQueueUrl", new Props { ["Value"] = new Props { ["Ref"] = Single(template, "AWS::SQS::Queue", "FailedInvocations") } });
    }

    internal static string Single(Template template, string type) => Assert.Single(template.FindResources(type)).Key;

    /// <summary>The one resource of a type whose logical id starts with <paramref name="idPrefix"/>.</summary>
    internal static string Single(Template template, string type, string idPrefix) =>
        Assert.Single(template.FindResources(type), r => r.Key.StartsWith(idPrefix, StringComparison.Ordinal)).Key;
}
