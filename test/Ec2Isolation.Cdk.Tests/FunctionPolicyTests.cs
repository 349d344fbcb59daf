using System.Text.Json.Nodes;
using Ec2Isolation.Aws;

namespace Ec2Isolation.Cdk.Tests;

/// <summary>The function's IAM permissions: exactly the engine's actions, each scoped, and what it may never do.</summary>
[Collection(SynthesizedStacks.Collection)]
public sealed class FunctionPolicyTests(SynthesizedStacks stacks)
{
    private const string RolePathPattern = ":role/ec2-isolation/*";

    [Fact]
    public void NoStatement_AllowsEveryAction()
    {
        var actions = Statements(stacks.Defaults).SelectMany(s => Strings(s["Action"])).ToList();
        Assert.NotEmpty(actions);
        Assert.DoesNotContain("*", actions);
        Assert.DoesNotContain(actions, action => action.EndsWith(":*", StringComparison.Ordinal));
    }

    [Fact]
    public void IsolatePolicy_AllowsExactlyTheActionsTheEngineCalls()
    {
        var allowed = Allows(InlineStatements(stacks.Defaults, "isolate")).SelectMany(s => Strings(s["Action"])).ToHashSet();
        Assert.Equal(RequiredActions.Isolate.Order(), allowed.Order());
    }

    [Fact]
    public void OtherPolicies_AllowOnlyWritingItsLogsItsFailureQueueAndItsResultBusAndServingItsContinuationQueue()
    {
        var others = Allows(Statements(stacks.Defaults).Except(InlineStatements(stacks.Defaults, "isolate"))).ToList();
        Assert.Equal(
            ["events:PutEvents", "logs:CreateLogStream", "logs:PutLogEvents",
             "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:GetQueueUrl",
             "sqs:ReceiveMessage", "sqs:SendMessage", "sqs:SendMessage"],
            others.SelectMany(s => Strings(s["Action"])).Order());
        Assert.All(others, s => Assert.NotNull(s["Resource"]!["Fn::GetAtt"]));
    }

    [Fact]
    public void NoNotifier_NoSsmOrKmsPermission()
    {
        foreach (var stack in new[] { stacks.Defaults, stacks.ExistingTopic })
        {
            var actions = Statements(stack).SelectMany(s => Strings(s["Action"])).ToList();
            Assert.DoesNotContain(actions, action => action.StartsWith("ssm:", StringComparison.Ordinal) || action.StartsWith("kms:", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Notifiers_GetParameterOnExactlyTheirParameters()
    {
        var statements = InlineStatements(stacks.Configured, "isolate");
        var read = Assert.Single(statements, s => Strings(s["Action"]).Any(a => a.StartsWith("ssm:", StringComparison.Ordinal)));
        Assert.Equal(RequiredActions.Notifications, Strings(read["Action"]));
        Assert.Equal("ReadNotifierSecrets", (string?)read["Sid"]);
        var resources = read["Resource"]!.AsArray();
        Assert.Equal(2, resources.Count);
        // A name (leading slash or not) becomes an ARN in the stack's account and region; an ARN is kept as given.
        Assert.Equal("arn:${AWS::Partition}:ssm:eu-west-1:${AWS::AccountId}:parameter/ec2-isolation/slack-webhook", JoinedArn(resources[0]));
        Assert.Equal(SynthesizedStacks.JiraTokenParameterArn, (string?)resources[1]);
        Assert.Null(read["Condition"]);
    }

    [Fact]
    public void SecretsKeyArn_DecryptOnThatKeyThroughSsmOnly()
    {
        var decrypt = Assert.Single(Statements(stacks.Configured), s => Strings(s["Action"]).Any(a => a.StartsWith("kms:", StringComparison.Ordinal)));
        Assert.Equal(["kms:Decrypt"], Strings(decrypt["Action"]));
        Assert.Equal(SynthesizedStacks.SecretsKeyArn, (string?)decrypt["Resource"]);
        AssertJson("""{"StringEquals":{"kms:ViaService":"ssm.eu-west-1.amazonaws.com"}}""", decrypt["Condition"]);
    }

    [Fact]
    public void NoReleaseAction_IsAllowed()
    {
        var allowed = Allows(Statements(stacks.Defaults)).SelectMany(s => Strings(s["Action"]));
        Assert.Empty(allowed.Intersect(RequiredActions.ReleaseAndStatus));
    }

    [Fact]
    public void OnlyDescribeCalls_HaveEveryResource()
    {
        var unscoped = Allows(Statements(stacks.Defaults)).Where(s => Strings(s["Resource"]).Contains("*")).SelectMany(s => Strings(s["Action"]));
        Assert.All(unscoped, action => Assert.Contains(":Describe", action, StringComparison.Ordinal));
    }

    [Fact]
    public void PassRole_OnlyPassesTheIsolationRoleToEc2()
    {
        var isolationRole = IsolationRoleTests.IsolationRole(stacks.Defaults.Template);
        var passRole = Assert.Single(Allows(Statements(stacks.Defaults)), s => Strings(s["Action"]).Contains("iam:PassRole"));
        AssertJson("""{"Fn::GetAtt":["ROLE","Arn"]}""".Replace("ROLE", isolationRole, StringComparison.Ordinal), passRole["Resource"]);
        AssertJson("""{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}""", passRole["Condition"]);
        Assert.Equal(["iam:PassRole"], Strings(passRole["Action"]));
    }

    [Fact]
    public void StackRoles_AreDeniedBoundaryAndPolicyChanges()
    {
        var deny = Assert.Single(Statements(stacks.Defaults), s => (string?)s["Effect"] == "Deny");
        Assert.Equal(["iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary"], Strings(deny["Action"]).Order());
        Assert.EndsWith(RolePathPattern, JoinedArn(deny["Resource"]), StringComparison.Ordinal);
        // The pattern covers the function's own role and the isolation role: every role of the stack is under the path.
        stacks.Defaults.Template.ResourceCountIs("AWS::IAM::Role", 2);
        stacks.Defaults.Template.AllResourcesProperties("AWS::IAM::Role", new Props { ["Path"] = Ec2IsolationStack.RolePath });
    }

    [Fact]
    public void NoAllowedAction_CanGrantAPermission()
    {
        string[] granting =
        [
            "iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:PutUserPolicy", "iam:AttachUserPolicy", "iam:PutGroupPolicy", "iam:AttachGroupPolicy",
            "iam:CreateRole", "iam:UpdateAssumeRolePolicy", "iam:SetDefaultPolicyVersion", "iam:CreateAccessKey", "iam:AddRoleToInstanceProfile",
        ];
        foreach (var stack in new[] { stacks.Defaults, stacks.Configured })
        {
            Assert.Empty(Allows(Statements(stack)).SelectMany(s => Strings(s["Action"])).Intersect(granting));
        }
    }

    [Fact]
    public void PutRolePermissionsBoundary_OnTheConfiguredRolesAndOnlyWithTheToolsBoundaries()
    {
        foreach (var (stack, roles) in new[] { (stacks.Defaults, ":role/*"), (stacks.Configured, ":role/workloads/*") })
        {
            var attach = Assert.Single(Allows(Statements(stack)), s => Strings(s["Action"]).Contains("iam:PutRolePermissionsBoundary"));
            Assert.Equal(["iam:PutRolePermissionsBoundary"], Strings(attach["Action"]));
            Assert.EndsWith(roles, JoinedArn(attach["Resource"]), StringComparison.Ordinal);
            Assert.Equal(
                "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/ec2-isolation/ec2-isolation-revoke-*",
                JoinedArn(attach["Condition"]!["StringLike"]!["iam:PermissionsBoundary"]));
        }
    }

    [Fact]
    public void BoundaryPolicyWrites_OnlyOnTheToolsOwnPolicies()
    {
        var writes = Assert.Single(Allows(Statements(stacks.Defaults)), s => Strings(s["Action"]).Contains("iam:CreatePolicyVersion"));
        Assert.Equal(
            ["iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListPolicyVersions"],
            Strings(writes["Action"]).Order());
        Assert.Equal("arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/ec2-isolation/ec2-isolation-revoke-*", JoinedArn(writes["Resource"]));
    }

    [Fact]
    public void SecurityGroupRuleChanges_OnlyOnTheToolsTaggedGroups()
    {
        var rules = Assert.Single(Allows(Statements(stacks.Defaults)), s => Strings(s["Action"]).Contains("ec2:RevokeSecurityGroupEgress"));
        Assert.All(Strings(rules["Action"]), action => Assert.Matches("^ec2:(Authorize|Revoke)SecurityGroup(Ingress|Egress)$", action));
        Assert.EndsWith(":security-group/*", JoinedArn(rules["Resource"]), StringComparison.Ordinal);
        AssertJson("""{"StringEquals":{"aws:ResourceTag/ec2-isolation:role":["quarantine","all-traffic"]}}""", rules["Condition"]);
    }

    [Fact]
    public void ModifyInstanceAttribute_OnlyTheAttributesTheStepsSet()
    {
        var modify = Assert.Single(Allows(Statements(stacks.Defaults)), s => Strings(s["Action"]).Contains("ec2:ModifyInstanceAttribute"));
        Assert.Equal(["ec2:ModifyInstanceAttribute"], Strings(modify["Action"]));
        AssertJson(
            """{"StringEqualsIfExists":{"ec2:Attribute":["disableApiTermination","disableApiStop","instanceInitiatedShutdownBehavior","blockDeviceMapping"]}}""",
            modify["Condition"]);
    }

    [Fact]
    public void CreateTags_IsConditioned()
    {
        var createTags = Allows(Statements(stacks.Configured)).Where(s => Strings(s["Action"]).Contains("ec2:CreateTags")).ToList();
        Assert.Equal(2, createTags.Count);
        Assert.All(createTags, s => Assert.NotNull(s["Condition"]));
        Assert.Contains(createTags, s => s["Condition"]!.ToJsonString() == """{"ForAllValues:StringLike":{"aws:TagKeys":["quarantine","quarantine:*"]}}""");
        Assert.Contains(createTags, s => s["Condition"]!.ToJsonString() == """{"StringEquals":{"ec2:CreateAction":["CreateSecurityGroup","CreateSnapshots"]}}""");
    }

    [Fact]
    public void RecordTableActions_AreScopedToTheTable()
    {
        var table = FunctionTests.Single(stacks.Defaults.Template, "AWS::DynamoDB::Table");
        stacks.Defaults.Template.HasResourceProperties("AWS::IAM::Role", new Props
        {
            ["Policies"] = AMatch.ArrayWith([AMatch.ObjectLike(new Props
            {
                ["PolicyDocument"] = AMatch.ObjectLike(new Props
                {
                    ["Statement"] = AMatch.ArrayWith([AMatch.ObjectLike(new Props
                    {
                        ["Action"] = new[] { "dynamodb:GetItem", "dynamodb:PutItem" },
                        ["Resource"] = new Props { ["Fn::GetAtt"] = new[] { table, "Arn" } },
                    })]),
                }),
            })]),
        });
    }

    [Fact]
    public void NetworkAclEntries_GrantedOnNetworkAclsAlone()
    {
        var statement = Assert.Single(InlineStatements(stacks.Defaults, "isolate"), s => (string?)s["Sid"] == "CutTrackedPaths");
        Assert.Equal(["ec2:CreateNetworkAclEntry"], Strings(statement["Action"]));
        Assert.EndsWith(":network-acl/*", JoinedArn(statement["Resource"]), StringComparison.Ordinal);
    }

    [Fact]
    public void ClassicLoadBalancers_DeregisterGrantedOnLoadBalancersAloneAndDescribeWithTheOtherReads()
    {
        var statements = InlineStatements(stacks.Defaults, "isolate");

        var classic = Assert.Single(statements, s => (string?)s["Sid"] == "ClassicLoadBalancerMembership");
        Assert.Equal(["elasticloadbalancing:DeregisterInstancesFromLoadBalancer"], Strings(classic["Action"]));
        Assert.EndsWith(":loadbalancer/*", JoinedArn(classic["Resource"]), StringComparison.Ordinal);
        var targetGroups = Assert.Single(statements, s => (string?)s["Sid"] == "TargetGroupMembership");
        Assert.Equal(["elasticloadbalancing:DeregisterTargets"], Strings(targetGroups["Action"]));
        Assert.Contains("elasticloadbalancing:DescribeLoadBalancers", Strings(Assert.Single(statements, s => (string?)s["Sid"] == "Describe")["Action"]));
    }

    /// <summary>Every statement of every policy on the function's role: its inline policies and the policies attached to it.</summary>
    private static IReadOnlyList<JsonNode> Statements(StackTemplate stack)
    {
        var (roleId, role) = FunctionRole(stack);
        var attached = stack.Resources("AWS::IAM::Policy").Values
            .Where(policy => policy["Properties"]!["Roles"]!.AsArray().Any(r => (string?)r!["Ref"] == roleId))
            .Select(policy => policy["Properties"]!["PolicyDocument"]!);
        var inline = role["Properties"]!["Policies"]!.AsArray().Select(policy => policy!["PolicyDocument"]!);
        return [.. inline.Concat(attached).SelectMany(document => document["Statement"]!.AsArray()).Select(s => s!)];
    }

    private static IReadOnlyList<JsonNode> InlineStatements(StackTemplate stack, string policyName) =>
        [.. FunctionRole(stack).Role["Properties"]!["Policies"]!.AsArray()
            .Single(policy => (string?)policy!["PolicyName"] == policyName)!["PolicyDocument"]!["Statement"]!.AsArray().Select(s => s!)];

    private static (string Id, JsonNode Role) FunctionRole(StackTemplate stack)
    {
        var role = Assert.Single(stack.Resources("AWS::IAM::Role"),
            r => (string?)r.Value["Properties"]!["AssumeRolePolicyDocument"]!["Statement"]![0]!["Principal"]!["Service"] == "lambda.amazonaws.com");
        return (role.Key, role.Value);
    }

    private static IEnumerable<JsonNode> Allows(IEnumerable<JsonNode> statements) => statements.Where(s => (string?)s["Effect"] == "Allow");

    /// <summary>A string-or-array field as its strings (objects such as Fn::Join as their JSON).</summary>
    private static List<string> Strings(JsonNode? node) => node switch
    {
        JsonArray items => [.. items.Select(item => item is JsonValue ? (string)item! : item!.ToJsonString())],
        JsonValue value => [(string)value!],
        _ => [node?.ToJsonString() ?? ""],
    };

    /// <summary>An ARN written as Fn::Join of literal parts and references, with the references as their names.</summary>
    private static string JoinedArn(JsonNode? resource) =>
        string.Concat(resource!["Fn::Join"]![1]!.AsArray().Select(part => part is JsonValue ? (string)part! : $"${{{(string?)part!["Ref"]}}}"));

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual?.ToJsonString()}");
}
