using Amazon.CDK;
using Ec2Isolation.Core;

namespace Ec2Isolation.Cdk.Tests;

public sealed class DeploymentSettingsTests
{
    [Fact]
    public void FromContext_NoContext_Defaults()
    {
        var settings = Read([]);

        Assert.Equal(DeploymentSettings.Defaults, settings);
        Assert.Equal(("ec2-isolation", "isolate", 7.0, 15, true, "*"),
            (settings.TagKey, settings.TagValue, settings.GuardDutyMinSeverity, settings.SweepMinutes, settings.Snapshots, settings.RevocableRoles));
        Assert.Empty(settings.Regions);
        Assert.Empty(settings.GuardDutyTypePrefixes);
        Assert.Null(settings.ForensicIngress);
    }

    [Fact]
    public void FromContext_CommandLineStrings_ReadsEverySetting()
    {
        var settings = Read(new()
        {
            ["tagKey"] = "quarantine",
            ["tagValue"] = "now",
            ["guardDutyMinSeverity"] = "8.5",
            ["guardDutyTypePrefixes"] = "Backdoor:EC2/, CryptoCurrency:EC2/",
            ["sweepMinutes"] = "5",
            ["forensicIngress"] = "10.9.0.0/24:22",
            ["snapshots"] = "false",
            ["regions"] = "eu-west-1,us-east-1",
            ["notificationEmail"] = "soc@example.com",
            ["revocableRoles"] = "/workloads/*",
            ["reservedConcurrency"] = "5",
            ["slackWebhookParameter"] = "/ec2-isolation/slack-webhook",
            ["jiraUrl"] = "https://example.atlassian.net",
            ["jiraProject"] = "SEC",
            ["jiraUser"] = "soc@example.com",
            ["jiraTokenParameter"] = SynthesizedStacks.JiraTokenParameterArn,
            ["jiraIssueType"] = "Incident",
            ["secretsKeyArn"] = SynthesizedStacks.SecretsKeyArn,
            ["attackSequences"] = "false",
            ["securityHubActionId"] = "SocIsolate",
            ["containmentAlarmSeconds"] = "30",
        });

        Assert.Equal(SynthesizedStacks.ConfiguredSettings with { Regions = settings.Regions, GuardDutyTypePrefixes = settings.GuardDutyTypePrefixes }, settings);
        Assert.Equal(["eu-west-1", "us-east-1"], settings.Regions);
        Assert.Equal(SynthesizedStacks.ConfiguredSettings.GuardDutyTypePrefixes, settings.GuardDutyTypePrefixes);
    }

    [Fact]
    public void FromContext_CdkJsonValues_ReadsListsNumbersAndBooleans()
    {
        var settings = Read(new()
        {
            ["regions"] = new[] { "eu-west-1", "eu-central-1" },
            ["guardDutyMinSeverity"] = 9,
            ["sweepMinutes"] = 30,
            ["snapshots"] = false,
        });

        Assert.Equal(["eu-west-1", "eu-central-1"], settings.Regions);
        Assert.Equal((9.0, 30, false), (settings.GuardDutyMinSeverity, settings.SweepMinutes, settings.Snapshots));
    }

    [Fact]
    public void FromContext_InvalidValues_NamesEveryKey()
    {
        var error = Assert.Throws<InvalidRequestException>(() => Read(new()
        {
            ["guardDutyMinSeverity"] = "11",
            ["sweepMinutes"] = "0",
            ["snapshots"] = "sometimes",
            ["reservedConcurrency"] = "-1",
            ["containmentAlarmSeconds"] = "0",
            ["notificationEmail"] = "soc@example.com",
            ["notificationTopicArn"] = "arn:aws:sns:eu-west-1:123456789012:soc",
        }));

        foreach (var key in new[] { "guardDutyMinSeverity", "sweepMinutes", "snapshots", "reservedConcurrency", "containmentAlarmSeconds", "notificationTopicArn" })
        {
            Assert.Contains(key, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FromContext_SecretsKeyArnNotAKeyArn_NamesTheKey()
    {
        var error = Assert.Throws<InvalidRequestException>(() => Read(new()
        {
            ["slackWebhookParameter"] = "/ec2-isolation/slack-webhook",
            ["secretsKeyArn"] = "alias/aws/ssm",
        }));

        Assert.Contains("secretsKeyArn must be a KMS key ARN", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromContext_SecretsKeyArnWithoutANotifier_Refused()
    {
        var error = Assert.Throws<InvalidRequestException>(() => Read(new() { ["secretsKeyArn"] = SynthesizedStacks.SecretsKeyArn }));

        Assert.Contains("secretsKeyArn is set, but no notifier is", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FunctionEnvironment_JiraWithoutItsToken_FailsTheSynthNamingTheVariable()
    {
        var settings = DeploymentSettings.Defaults with { JiraUrl = "https://example.atlassian.net", JiraProject = "SEC", JiraUser = "soc@example.com" };

        var error = Assert.Throws<InvalidRequestException>(() => settings.FunctionEnvironment("table", "profile", 120));

        Assert.Contains("missing: EC2ISOLATION_JIRA_TOKEN_PARAMETER", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FunctionEnvironment_ValueTheFunctionWouldRefuse_FailsTheSynth()
    {
        var settings = DeploymentSettings.Defaults with { ForensicIngress = "anywhere:22" };

        var error = Assert.Throws<InvalidRequestException>(() => settings.FunctionEnvironment("table", "profile", 120));

        Assert.Contains("EC2ISOLATION_FORENSIC_INGRESS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FunctionEnvironment_TrackedPathKeys_MappedWhenTheyDifferFromTheDefaults()
    {
        var settings = Read(new() { ["networkAclCut"] = "false", ["disableMetadata"] = true, ["shortenConnectionTracking"] = "true" });

        var environment = settings.FunctionEnvironment("table", "profile", 120);

        Assert.Equal(("false", "true", "true"), (environment["EC2ISOLATION_NETWORK_ACL_CUT"], environment["EC2ISOLATION_DISABLE_METADATA"],
            environment["EC2ISOLATION_SHORTEN_CONNECTION_TRACKING"]));
        Assert.DoesNotContain(DeploymentSettings.Defaults.FunctionEnvironment("table", "profile", 120).Keys,
            key => key is "EC2ISOLATION_NETWORK_ACL_CUT" or "EC2ISOLATION_DISABLE_METADATA" or "EC2ISOLATION_SHORTEN_CONNECTION_TRACKING");
    }

    [Fact]
    public void FunctionEnvironment_AfterContainmentKeys_MappedOnlyWhenOn()
    {
        var settings = Read(new() { ["deleteKeyPair"] = true, ["stopAfterSnapshots"] = "true" });

        var environment = settings.FunctionEnvironment("table", "profile", 120);

        Assert.Equal(("true", "true"), (environment["EC2ISOLATION_DELETE_KEY_PAIR"], environment["EC2ISOLATION_STOP_AFTER_SNAPSHOTS"]));
        Assert.DoesNotContain(DeploymentSettings.Defaults.FunctionEnvironment("table", "profile", 120).Keys,
            key => key is "EC2ISOLATION_DELETE_KEY_PAIR" or "EC2ISOLATION_STOP_AFTER_SNAPSHOTS");
    }

    private static DeploymentSettings Read(Dictionary<string, object> context)
    {
        JsiiNode.SilenceVersionWarnings();
        return DeploymentSettings.FromContext(new App(new AppProps { Context = context }).Node);
    }
}
