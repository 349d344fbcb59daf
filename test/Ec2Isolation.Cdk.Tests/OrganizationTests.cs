using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Ec2Isolation.Aws;
using Ec2Isolation.Core;

namespace Ec2Isolation.Cdk.Tests;

/// <summary>Central mode of the stack and the member stack: the trust policies, the bus policy and the permissions.</summary>
[Collection(SynthesizedStacks.Collection)]
public sealed class OrganizationTests(SynthesizedStacks stacks)
{
    private const string Region = "us-east-1";

    [Fact]
    public void MemberExecutionRole_TrustedOnlyByTheCentralFunctionFromTheOrganizationWithTheExternalId()
    {
        var trust = Role(stacks.Member, "ec2-isolation-member-")["AssumeRolePolicyDocument"]!["Statement"]!.AsArray().Single()!;

        Assert.Equal("sts:AssumeRole", (string?)trust["Action"]);
        Assert.EndsWith($":iam::{SynthesizedStacks.CentralAccount}:root", Joined(trust["Principal"]!["AWS"]), StringComparison.Ordinal);
        Assert.Equal(SynthesizedStacks.OrganizationId, (string?)trust["Condition"]!["StringEquals"]!["aws:PrincipalOrgID"]);
        Assert.Equal("isolation-2026", (string?)trust["Condition"]!["StringEquals"]!["sts:ExternalId"]);
        Assert.EndsWith(
            $":iam::{SynthesizedStacks.CentralAccount}:role/ec2-isolation/ec2-isolation-function-{{\"Ref\":\"AWS::Region\"}}",
            Joined(trust["Condition"]!["ArnEquals"]!["aws:PrincipalArn"]),
            StringComparison.Ordinal);
    }

    [Fact]
    public void MemberExecutionRole_AllowsTheFunctionsActionsButTheTable()
    {
        var statements = Role(stacks.Member, "ec2-isolation-member-")["Policies"]!.AsArray().Single(p => (string?)p!["PolicyName"] == "isolate")!["PolicyDocument"]!["Statement"]!.AsArray();

        var allowed = statements.Where(s => (string?)s!["Effect"] == "Allow").SelectMany(s => Strings(s!["Action"])).Distinct().Order();

        Assert.Equal(RequiredActions.Isolate.Where(a => !a.StartsWith("dynamodb:", StringComparison.Ordinal)).Order(), allowed);
        Assert.Contains(statements, s => (string?)s!["Sid"] == "DenyWritingOntoStackRoles");
    }

    [Fact]
    public void MemberAnalystRole_TrustedOnlyByTheAnalystRolesFromTheOrganizationWithTheExternalId()
    {
        var role = Role(stacks.Member, "ec2-isolation-analyst-");
        var trust = role["AssumeRolePolicyDocument"]!["Statement"]!.AsArray().Single()!;

        Assert.Equal(("sts:AssumeRole", Ec2IsolationStack.RolePath, 3600), ((string?)trust["Action"], (string?)role["Path"], (int)role["MaxSessionDuration"]!));
        Assert.EndsWith($":iam::{SynthesizedStacks.CentralAccount}:root", Joined(trust["Principal"]!["AWS"]), StringComparison.Ordinal);
        Assert.Equal(SynthesizedStacks.AnalystPrincipalArns, Strings(trust["Condition"]!["ArnEquals"]!["aws:PrincipalArn"]));
        Assert.Equal(SynthesizedStacks.OrganizationId, (string?)trust["Condition"]!["StringEquals"]!["aws:PrincipalOrgID"]);
        Assert.Equal("isolation-2026", (string?)trust["Condition"]!["StringEquals"]!["sts:ExternalId"]);
    }

    [Fact]
    public void MemberAnalystRole_AllowsIsolateReleaseStatusAndReplaceButTheTable()
    {
        var statements = AnalystStatements();

        var allowed = statements.Where(s => (string?)s["Effect"] == "Allow").SelectMany(s => Strings(s["Action"])).Distinct().Order();

        Assert.Equal(
            RequiredActions.Isolate.Concat(RequiredActions.ReleaseAndStatus).Concat(RequiredActions.Replace).Concat(RequiredActions.Scan).Distinct()
                .Where(a => !a.StartsWith("dynamodb:", StringComparison.Ordinal)).Order(),
            allowed);
        Assert.Contains(statements, s => (string?)s["Sid"] == "DenyWritingOntoStackRoles");
        var everyResource = statements.Where(s => s["Resource"]!.ToJsonString() is "\"*\"" or "[\"*\"]");
        Assert.All(everyResource.SelectMany(s => Strings(s["Action"])), action => Assert.True(
            action.Contains(":Describe", StringComparison.Ordinal) || RequiredActions.Scan.Contains(action), $"{action} is granted on every resource"));
    }

    [Fact]
    public void MemberAnalystRole_ReadsInspectorOnlyWithItsThreeReadActions()
    {
        var inspector = AnalystStatements().Single(s => (string?)s["Sid"] == "ReadInspectorFindings");

        Assert.Equal(["inspector2:BatchGetAccountStatus", "inspector2:ListCoverage", "inspector2:ListFindings"], Strings(inspector["Action"]).Order());
        Assert.Equal(("Allow", "\"*\""), ((string?)inspector["Effect"], inspector["Resource"]!.ToJsonString()));
        Assert.DoesNotContain(AnalystStatements().Where(s => (string?)s["Sid"] != "ReadInspectorFindings").SelectMany(s => Strings(s["Action"])),
            action => action.StartsWith("inspector2:", StringComparison.Ordinal));
    }

    [Fact]
    public void MemberAnalystRole_PassesTheIsolationRoleAndTheRestoredRolesToEc2Only()
    {
        var passRole = AnalystStatements().Where(s => Strings(s["Action"]).Contains("iam:PassRole")).ToList();

        Assert.Equal(["PassIsolationRoleToEc2", "PassRestoredRolesToEc2"], passRole.Select(s => (string?)s["Sid"]).Order());
        Assert.All(passRole, s => Assert.Equal(("iam:PassRole", "ec2.amazonaws.com"), ((string?)s["Action"], (string?)s["Condition"]!["StringEquals"]!["iam:PassedToService"])));
        // The restored roles: the pattern isolation revokes (revocableRoles), which the original profile's role is in.
        Assert.EndsWith(":role/*", Joined(passRole.Single(s => (string?)s["Sid"] == "PassRestoredRolesToEc2")["Resource"]), StringComparison.Ordinal);
    }

    [Fact]
    public void MemberAnalystRole_ClassicLoadBalancerDeregisterAndRegisterOnLoadBalancersAlone()
    {
        var classic = AnalystStatements().Single(s => (string?)s["Sid"] == "ClassicLoadBalancerMembership");

        Assert.Equal(
            ["elasticloadbalancing:DeregisterInstancesFromLoadBalancer", "elasticloadbalancing:RegisterInstancesWithLoadBalancer"],
            Strings(classic["Action"]).Order());
        Assert.EndsWith(":loadbalancer/*", Joined(classic["Resource"]), StringComparison.Ordinal);
    }

    [Fact]
    public void MemberAnalystRole_TagChangesConditioned()
    {
        var statements = AnalystStatements();

        var deleteTags = statements.Single(s => Strings(s["Action"]).Contains("ec2:DeleteTags"));
        Assert.Equal("""{"ForAllValues:StringLike":{"aws:TagKeys":["ec2-isolation","ec2-isolation:*"]}}""", deleteTags["Condition"]!.ToJsonString());
        var onLaunch = statements.Single(s => (string?)s["Sid"] == "TagOnLaunch");
        Assert.Equal(("ec2:CreateTags", """{"StringEquals":{"ec2:CreateAction":"RunInstances"}}"""), ((string?)onLaunch["Action"], onLaunch["Condition"]!.ToJsonString()));
        var launch = statements.Single(s => Strings(s["Action"]).Contains("ec2:RunInstances"));
        Assert.Contains(launch["Resource"]!.AsArray(), r => Joined(r).EndsWith("::image/*", StringComparison.Ordinal));
    }

    [Fact]
    public void MemberStack_OutputsTheAnalystRoleNameForTheCli()
    {
        var output = stacks.Member.Json["Outputs"]!["AnalystRoleName"]!;

        Assert.Equal("ec2-isolation/ec2-isolation-analyst-{\"Ref\":\"AWS::Region\"}", Joined(output["Value"]));
    }

    [Fact]
    public void MemberStack_NoAnalystPrincipals_NoAnalystRole()
    {
        JsiiNode.SilenceVersionWarnings();
        var template = Template.FromStack(Ec2IsolationApp.AddMemberStack(new App(), SynthesizedStacks.MemberSettings with { AnalystPrincipalArns = [] }));

        template.ResourceCountIs("AWS::IAM::Role", 3);
        Assert.Empty(template.FindOutputs("AnalystRoleName"));
        Assert.Single(stacks.Member.Resources("AWS::IAM::Role").Values, r => Joined(r["Properties"]!["RoleName"]).StartsWith("ec2-isolation-analyst-", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("arn:aws:iam::111111111111:role/SecurityAnalyst")]
    [InlineData("arn:aws:iam::999999999999:user/analyst")]
    [InlineData("SecurityAnalyst")]
    public void FromContext_AnalystPrincipalNotARoleOfTheCentralAccount_NamesTheKey(string arn)
    {
        var context = new Dictionary<string, object>
        {
            ["mode"] = "member",
            ["centralAccount"] = SynthesizedStacks.CentralAccount,
            ["organizationId"] = SynthesizedStacks.OrganizationId,
            ["analystPrincipalArns"] = $"arn:aws:iam::{SynthesizedStacks.CentralAccount}:role/SecurityAnalyst,{arn}",
        };

        JsiiNode.SilenceVersionWarnings();
        var error = Assert.Throws<InvalidRequestException>(() => DeploymentSettings.FromContext(new App(new AppProps { Context = context }).Node));

        Assert.Contains("analystPrincipalArns must be role ARNs of centralAccount", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MemberStack_ForwardsTheTriggerTagToTheCentralBusWithARole()
    {
        var rule = stacks.Member.Resources("AWS::Events::Rule").Single(r => r.Key.StartsWith("ForwardTagChange", StringComparison.Ordinal)).Value;
        var target = rule["Properties"]!["Targets"]!.AsArray().Single()!;

        Assert.EndsWith($":{SynthesizedStacks.CentralAccount}:event-bus/ec2-isolation", Joined(target["Arn"]), StringComparison.Ordinal);
        Assert.NotNull(target["RoleArn"]);
        Assert.Equal("isolate", (string?)rule["Properties"]!["EventPattern"]!["detail"]!["tags"]!["ec2-isolation"]![0]);
    }

    [Fact]
    public void MemberStack_EveryRoleUnderTheStacksPath_TheTagForwardingRoleIncluded()
    {
        var roles = stacks.Member.Resources("AWS::IAM::Role").Values.ToList();

        Assert.Contains(roles, role => (string?)role["Properties"]!["AssumeRolePolicyDocument"]!["Statement"]![0]!["Principal"]!["Service"] == "events.amazonaws.com");
        Assert.All(roles, role => Assert.Equal(Ec2IsolationStack.RolePath, (string?)role["Properties"]!["Path"]));
    }

    [Fact]
    public void MemberStack_UsableAsAStackSet_NoAssetsNoBootstrapCheckNoFunction()
    {
        Assert.Null(stacks.Member.Json["Parameters"]);
        Assert.Null(stacks.Member.Json["Rules"]);
        Assert.Empty(stacks.Member.Resources("AWS::Lambda::Function"));
        Assert.Empty(stacks.Member.Resources("AWS::DynamoDB::Table"));
        var profile = stacks.Member.Resources("AWS::IAM::InstanceProfile").Values.Single();
        Assert.Equal("ec2-isolation-deny-all-{\"Ref\":\"AWS::Region\"}", Joined(profile["Properties"]!["InstanceProfileName"]));
    }

    [Fact]
    public void CentralBus_AcceptsPutEventsOnlyFromTheOrganization()
    {
        var policy = stacks.Central.Resources("AWS::Events::EventBusPolicy").Values.Single()["Properties"]!["Statement"]!;

        Assert.Equal(("Allow", "events:PutEvents"), ((string?)policy["Effect"], (string?)policy["Action"]));
        Assert.Equal("*", (string?)policy["Principal"]!["AWS"] ?? (string?)policy["Principal"]);
        Assert.Equal(SynthesizedStacks.OrganizationId, (string?)policy["Condition"]!["StringEquals"]!["aws:PrincipalOrgID"]);
        Assert.Single(OrganizationBuses(stacks.Central));
        var onBus = stacks.Central.Resources("AWS::Events::Rule").Values.Where(r => r["Properties"]!["EventBusName"] is not null).ToList();
        Assert.Equal(["aws.ec2", "aws.tag"], onBus.Select(r => (string?)r["Properties"]!["EventPattern"]!["source"]![0]).Order());
    }

    [Fact]
    public void CentralFunctionRole_AssumesTheMemberRoleOfThisRegionInTheOrganizationsAccountsOnly()
    {
        // Not one ARN per account: that outgrows IAM's 10,240 characters per role at about 88 accounts. The allow-list
        // is the function's (EC2ISOLATION_ALLOWED_ACCOUNTS), and each member role trusts this function alone.
        var role = Role(stacks.Central, "ec2-isolation-function-");
        var statement = role["Policies"]!.AsArray().Single(p => (string?)p!["PolicyName"] == "assume-member-roles")!["PolicyDocument"]!["Statement"]!.AsArray().Single()!;

        Assert.Equal("sts:AssumeRole", (string?)statement["Action"]);
        Assert.EndsWith($":iam::*:role/ec2-isolation/ec2-isolation-member-{Region}", Joined(statement["Resource"]!), StringComparison.Ordinal);
        Assert.Equal(SynthesizedStacks.OrganizationId, (string?)statement["Condition"]!["StringEquals"]!["aws:ResourceOrgID"]);
    }

    [Fact]
    public void CentralFunction_ConfiguredForTheMembers()
    {
        var variables = stacks.Central.Resources("AWS::Lambda::Function").Values.Single()["Properties"]!["Environment"]!["Variables"]!;

        Assert.Equal($"ec2-isolation/ec2-isolation-member-{Region}", (string?)variables["EC2ISOLATION_MEMBER_ROLE_NAME"]);
        Assert.Equal("111111111111,222222222222", (string?)variables["EC2ISOLATION_ALLOWED_ACCOUNTS"]);
        Assert.Equal("isolation-2026", (string?)variables["EC2ISOLATION_MEMBER_EXTERNAL_ID"]);
        Assert.Equal($"ec2-isolation-deny-all-{Region}", (string?)stacks.Central.Resources("AWS::IAM::InstanceProfile").Values.Single()["Properties"]!["InstanceProfileName"]);
    }

    [Fact]
    public void DefaultStack_SingleAccount_NoBusNoAssumeRoleNoMemberVariables()
    {
        Assert.Empty(OrganizationBuses(stacks.Defaults));
        Assert.Empty(stacks.Defaults.Resources("AWS::Events::EventBusPolicy"));
        var policyActions = stacks.Defaults.Resources("AWS::IAM::Role").Values
            .SelectMany(r => r["Properties"]!["Policies"]?.AsArray() ?? [])
            .SelectMany(p => p!["PolicyDocument"]!["Statement"]!.AsArray())
            .SelectMany(s => Strings(s!["Action"]));
        Assert.DoesNotContain("sts:AssumeRole", policyActions);
        Assert.Null(stacks.Defaults.Resources("AWS::Lambda::Function").Values.Single()["Properties"]!["Environment"]!["Variables"]!["EC2ISOLATION_MEMBER_ROLE_NAME"]);
    }

    [Theory]
    [InlineData("allowedAccounts", "111111111111", null, null, "organizationId must be")]
    [InlineData("mode", "member", "organizationId", "o-a1b2c3d4e5", "centralAccount must be")]
    [InlineData("mode", "central", null, null, "mode must be account or member")]
    public void FromContext_OrganizationMisconfigured_NamesTheKey(string key, string value, string? other, string? otherValue, string message)
    {
        var context = new Dictionary<string, object> { [key] = value };
        if (other is not null)
        {
            context[other] = otherValue!;
        }

        JsiiNode.SilenceVersionWarnings();
        var error = Assert.Throws<InvalidRequestException>(() => DeploymentSettings.FromContext(new App(new AppProps { Context = context }).Node));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private IReadOnlyList<JsonNode> AnalystStatements() =>
        [.. Role(stacks.Member, "ec2-isolation-analyst-")["Policies"]!.AsArray().Single(p => (string?)p!["PolicyName"] == "analyst")!["PolicyDocument"]!["Statement"]!.AsArray().Select(s => s!)];

    /// <summary>The bus members forward to (the result bus has a name of CloudFormation's).</summary>
    private static IEnumerable<JsonNode> OrganizationBuses(StackTemplate stack) =>
        stack.Resources("AWS::Events::EventBus").Values.Where(bus => (string?)bus["Properties"]!["Name"] == OrganizationNames.BusName);

    private static JsonNode Role(StackTemplate stack, string namePrefix) =>
        stack.Resources("AWS::IAM::Role").Values.Single(r => Joined(r["Properties"]!["RoleName"]).StartsWith(namePrefix, StringComparison.Ordinal))["Properties"]!;

    /// <summary>A string, or an Fn::Join of strings and references flattened to one string (references as their JSON).</summary>
    internal static string Joined(JsonNode? node) => node switch
    {
        null => string.Empty,
        JsonValue value => (string?)value ?? string.Empty,
        JsonObject join when join["Fn::Join"] is JsonArray parts => string.Join((string?)parts[0], parts[1]!.AsArray().Select(p => p is JsonValue ? (string?)p : p!.ToJsonString())),
        _ => node.ToJsonString(),
    };

    private static List<string> Strings(JsonNode? node) => node switch
    {
        JsonArray array => [.. array.Select(n => (string)n!)],
        JsonValue value => [(string)value!],
        _ => [],
    };
}
