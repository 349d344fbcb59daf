using System.Text.Json.Nodes;
using Amazon.CDK;
using Ec2Isolation.Core;

namespace Ec2Isolation.Cdk.Tests;

/// <summary>Approvers by Slack user group: the bot token's parameter reaches the function, and only it is readable.</summary>
[Collection(SynthesizedStacks.Collection)]
public sealed class ApproverGroupTests(SynthesizedStacks stacks)
{
    [Fact]
    public void Environment_BotTokenConfigured_PassesItsParameter()
    {
        var variables = stacks.Approvals.Resources("AWS::Lambda::Function").Values.Single()["Properties"]!["Environment"]!["Variables"]!;

        Assert.Equal("/ec2-isolation/slack-bot-token", (string?)variables["EC2ISOLATION_SLACK_BOT_TOKEN_PARAMETER"]);
    }

    [Fact]
    public void Policy_BotTokenConfigured_GetParameterOnItsArnWithTheOtherSecrets()
    {
        var read = ReadSecrets(stacks.Approvals);

        Assert.Equal(["ssm:GetParameter"], Strings(read["Action"]));
        var resources = read["Resource"]!.AsArray().Select(resource => resource!.ToJsonString()).ToList();
        Assert.Equal(3, resources.Count); // the webhook, the signing secret, the bot token
        Assert.Single(resources, resource => resource.Contains(":parameter/ec2-isolation/slack-bot-token\"", StringComparison.Ordinal));
        Assert.DoesNotContain(resources, resource => resource.Contains('*', StringComparison.Ordinal));
    }

    [Fact]
    public void Policy_NoBotToken_NotReadable()
    {
        foreach (var stack in new[] { stacks.Defaults, stacks.Configured })
        {
            Assert.DoesNotContain("slack-bot-token", stack.Json.ToJsonString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FromContext_GroupWithoutABotToken_RefusedBeforeDeploying()
    {
        JsiiNode.SilenceVersionWarnings();
        var settings = DeploymentSettings.FromContext(new App(new AppProps
        {
            Context = new Dictionary<string, object>
            {
                ["slackWebhookParameter"] = "/ec2-isolation/slack-webhook",
                ["tiers"] = "guardduty:4-7=ask/30/contain",
                ["slackSigningSecretParameter"] = "/ec2-isolation/slack-signing-secret",
                ["approvers"] = "S0604QSJC",
            },
        }).Node);

        var e = Assert.Throws<InvalidRequestException>(() => settings.FunctionEnvironment("records", "deny-all", 300));

        Assert.Contains("EC2ISOLATION_SLACK_BOT_TOKEN_PARAMETER (a bot token with the usergroups:read scope)", e.Message, StringComparison.Ordinal);
    }

    private static JsonNode ReadSecrets(StackTemplate stack) =>
        stack.Resources("AWS::IAM::Role").Values
            .SelectMany(role => role["Properties"]!["Policies"]?.AsArray() ?? [])
            .SelectMany(policy => policy!["PolicyDocument"]!["Statement"]!.AsArray())
            .Single(statement => (string?)statement!["Sid"] == "ReadNotifierSecrets")!;

    private static List<string> Strings(JsonNode? node) => node switch
    {
        JsonArray items => [.. items.Select(item => (string)item!)],
        JsonValue value => [(string)value!],
        _ => [],
    };
}
