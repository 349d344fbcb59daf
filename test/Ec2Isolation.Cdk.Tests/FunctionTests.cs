using Amazon.CDK.Assertions;

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
            ["ReservedConcurrentExecutions"] = 20,
        });
    }

    [Fact]
    public void ReservedConcurrency_Configured_ReservesThatMany() =>
        stacks.Configured.Template.HasResourceProperties("AWS::Lambda::Function", new Props { ["ReservedConcurrentExecutions"] = 5 });

    [Fact]
    public void ReservedConcurrency_Zero_ReservesNone() =>
        stacks.ExistingTopic.Template.HasResourceProperties("AWS::Lambda::Function", new Props { ["ReservedConcurrentExecutions"] = AMatch.Absent() });

    [Fact]
    public void LeaseSeconds_OutlastTheTimeout() =>
        Assert.True(Ec2IsolationStack.LeaseSeconds > Ec2IsolationStack.FunctionTimeoutSeconds);

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
    public void AsyncInvocations_RetryTwiceThenGoToTheFailureQueue()
    {
        var queue = new Capture();
        stacks.Defaults.Template.HasResourceProperties("AWS::Lambda::EventInvokeConfig", new Props
        {
            ["MaximumRetryAttempts"] = 2,
            ["MaximumEventAgeInSeconds"] = 6 * 3600,
            ["DestinationConfig"] = new Props { ["OnFailure"] = new Props { ["Destination"] = new Props { ["Fn::GetAtt"] = new object[] { queue, "Arn" } } } },
        });
        Assert.StartsWith("FailedInvocations", queue.AsString(), StringComparison.Ordinal);
        Assert.Contains(queue.AsString(), stacks.Defaults.Resources("AWS::SQS::Queue").Keys);
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
        })
        {
            template.HasOutput(output, new Props { ["Value"] = new Props { ["Ref"] = Single(template, type) } });
        }
    }

    internal static string Single(Template template, string type) => Assert.Single(template.FindResources(type)).Key;
}
