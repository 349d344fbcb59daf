using Amazon.CDK;
using Ec2Isolation.Aws;
using Ec2Isolation.Core;

namespace Ec2Isolation.Cdk.Tests;

/// <summary>Slack approvals: the interactivity URL (the function's URL), who may invoke through it, and the tiers' GuardDuty threshold.</summary>
[Collection(SynthesizedStacks.Collection)]
public sealed class ApprovalUrlTests(SynthesizedStacks stacks)
{
    [Fact]
    public void FunctionUrl_ApprovalsConfigured_AuthNoneWithTheUrlAsAnOutput()
    {
        stacks.Approvals.Template.ResourceCountIs("AWS::Lambda::Url", 1);
        stacks.Approvals.Template.HasResourceProperties("AWS::Lambda::Url", new Dictionary<string, object> { ["AuthType"] = "NONE" });
        var output = stacks.Approvals.Json["Outputs"]!["SlackInteractivityUrl"]!;
        Assert.Contains("FunctionFunctionUrl", output["Value"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void FunctionUrl_ApprovalsConfigured_PublicInvokeOnlyThroughTheUrl()
    {
        var permissions = stacks.Approvals.Resources("AWS::Lambda::Permission").Values
            .Where(p => (string?)p["Properties"]!["Principal"] == "*").Select(p => p["Properties"]!).ToList();

        // Since October 2025 a function URL needs both; the direct invoke only via the URL, never with an event of anyone's.
        Assert.Equal(["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"], permissions.Select(p => (string?)p["Action"]).Order(StringComparer.Ordinal));
        var invoke = permissions.Single(p => (string?)p["Action"] == "lambda:InvokeFunction");
        Assert.True((bool)invoke["InvokedViaFunctionUrl"]!);
        var url = permissions.Single(p => (string?)p["Action"] == "lambda:InvokeFunctionUrl");
        Assert.Equal("NONE", (string?)url["FunctionUrlAuthType"]);
    }

    [Fact]
    public void FunctionUrl_NoApprovals_NoUrlAndNoPublicPermission()
    {
        foreach (var stack in new[] { stacks.Defaults, stacks.Configured, stacks.ExistingTopic, stacks.Central })
        {
            stack.Template.ResourceCountIs("AWS::Lambda::Url", 0);
            Assert.DoesNotContain(stack.Resources("AWS::Lambda::Permission").Values, p => (string?)p["Properties"]!["Principal"] == "*");
        }
    }

    [Fact]
    public void Environment_ApprovalsConfigured_PassesTiersSecretAndApprovers()
    {
        var variables = stacks.Approvals.Resources("AWS::Lambda::Function").Values.Single()["Properties"]!["Environment"]!["Variables"]!;

        Assert.Equal("guardduty:4-8.5=ask/30/contain", (string?)variables["EC2ISOLATION_TIERS"]);
        Assert.Equal("/ec2-isolation/slack-signing-secret", (string?)variables["EC2ISOLATION_SLACK_SIGNING_SECRET_PARAMETER"]);
        Assert.Equal("U0123ABCD,U0456EFGH,S0604QSJC", (string?)variables["EC2ISOLATION_APPROVERS"]);
    }

    [Fact]
    public void GuardDutyRule_TierAsksBelowTheThreshold_DeliversFromThatTiersBand()
    {
        var patterns = stacks.Approvals.Resources("AWS::Events::Rule").Values
            .Select(rule => rule["Properties"]!["EventPattern"])
            .Where(pattern => pattern?["source"]?[0]?.GetValue<string>() == "aws.guardduty" && pattern["detail"]!["resource"] is not null)
            .ToList();

        Assert.Equal(4, Assert.Single(patterns)!["detail"]!["severity"]![0]!["numeric"]![1]!.GetValue<double>());
    }

    [Fact]
    public void Policy_ApprovalsConfigured_ReadsTheSigningSecret()
    {
        var json = stacks.Approvals.Json.ToJsonString();

        Assert.Contains("parameter/ec2-isolation/slack-signing-secret", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("slackSigningSecretParameter", "/ec2-isolation/slack-signing-secret")]
    [InlineData("approvers", "U0123ABCD")]
    public void FromContext_OnlyOneOfSecretAndApprovers_Refused(string key, string value)
    {
        JsiiNode.SilenceVersionWarnings();
        var e = Assert.Throws<InvalidRequestException>(() =>
            DeploymentSettings.FromContext(new App(new AppProps { Context = new Dictionary<string, object> { [key] = value } }).Node));

        Assert.Contains("slackSigningSecretParameter and approvers: set both", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HandOffPolicy_ApprovalsConfigured_InvokesTheFunctionItselfAlone()
    {
        var function = FunctionTests.Single(stacks.Approvals.Template, "AWS::Lambda::Function");
        var statements = HandOffStatements(stacks.Approvals);

        var statement = Assert.Single(statements);
        Assert.Equal(RequiredActions.ApprovalHandOff.Single(), (string?)statement["Action"]);
        Assert.Equal($$"""{"Fn::GetAtt":["{{function}}","Arn"]}""", statement["Resource"]!.ToJsonString());
        var policy = stacks.Approvals.Resources("AWS::IAM::Policy").Values.Single(p => p.ToJsonString().Contains("lambda:InvokeFunction", StringComparison.Ordinal));
        var role = stacks.Approvals.Resources("AWS::Lambda::Function")[function]["Properties"]!["Role"]!["Fn::GetAtt"]![0]!.GetValue<string>();
        Assert.Equal($$"""[{"Ref":"{{role}}"}]""", policy["Properties"]!["Roles"]!.ToJsonString());
    }

    [Fact]
    public void HandOffPolicy_NoApprovals_NoInvokeFunction()
    {
        foreach (var stack in new[] { stacks.Defaults, stacks.Configured, stacks.ExistingTopic, stacks.Central })
        {
            Assert.Empty(HandOffStatements(stack));
        }
    }

    /// <summary>Every IAM statement (role inline policies and policies) that allows lambda:InvokeFunction.</summary>
    private static List<System.Text.Json.Nodes.JsonNode> HandOffStatements(StackTemplate stack) =>
    [
        .. stack.Resources("AWS::IAM::Policy").Values.Select(p => p["Properties"]!["PolicyDocument"]!)
            .Concat(stack.Resources("AWS::IAM::Role").Values.SelectMany(r => r["Properties"]!["Policies"]?.AsArray().Select(p => p!["PolicyDocument"]!) ?? []))
            .SelectMany(document => document["Statement"]!.AsArray().Select(s => s!))
            .Where(s => s["Action"]!.ToJsonString().Contains("lambda:InvokeFunction", StringComparison.Ordinal)),
    ];
}

