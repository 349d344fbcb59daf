using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Ec2Isolation.Core;

namespace Ec2Isolation.Cdk.Tests;

/// <summary>
/// Central stacks as a platform team deploys them for a whole organization: 250 accounts listed (the most Lambda's 4 KB
/// environment holds), and the organization-scoped mode in two regions, each with its own alarm topic.
/// </summary>
public sealed class OrganizationScaleStacks : IDisposable
{
    public const string Collection = "Organization-scale stacks";

    public static readonly string[] Regions = ["us-east-1", "eu-west-1"];

    public static IReadOnlyList<string> TopicArns { get; } = [.. Regions.Select(region => $"arn:aws:sns:{region}:{SynthesizedStacks.CentralAccount}:soc-alarms")];

    private readonly string _codeFolder = StubCode.CreateFolder();
    private readonly string _outputFolder = Directory.CreateTempSubdirectory("ec2-isolation-cdk-scale-").FullName;

    public OrganizationScaleStacks()
    {
        JsiiNode.SilenceVersionWarnings();
        var app = new App(new AppProps { Outdir = _outputFolder });
        Amazon.CDK.AWS.Lambda.Code Code() => Amazon.CDK.AWS.Lambda.Code.FromAsset(_codeFolder);
        var listed = Ec2IsolationApp.AddStacks(
            app, SynthesizedStacks.CentralSettings with { AllowedAccounts = Accounts(250) }, Code, SynthesizedStacks.CentralAccount, "us-east-1").Single();
        var organization = Ec2IsolationApp.AddStacks(
            new Stage(app, "Organization"),
            SynthesizedStacks.CentralSettings with { AllowedAccounts = ["organization"], Regions = Regions, NotificationTopicArns = TopicArns },
            Code,
            SynthesizedStacks.CentralAccount,
            defaultRegion: null);
        var central = Ec2IsolationApp.AddStacks(new Stage(app, "Pair"), SynthesizedStacks.CentralSettings, Code, SynthesizedStacks.CentralAccount, "us-east-1").Single();
        var member = Ec2IsolationApp.AddMemberStack(new Stage(app, "Members"), SynthesizedStacks.MemberSettings);
        var assembly = app.Synth();
        Central = new(Template.FromStack(central), Path.Combine(_outputFolder, "assembly-Pair", central.TemplateFile));
        Member = new(Template.FromStack(member), Path.Combine(_outputFolder, "assembly-Members", member.TemplateFile));
        Listed = new(Template.FromStack(listed), assembly.GetStackArtifact(listed.ArtifactId).TemplateFullPath);
        Organization = [.. organization.Select(stack => new StackTemplate(Template.FromStack(stack), Path.Combine(_outputFolder, "assembly-Organization", stack.TemplateFile)))];
    }

    /// <summary>Distinct account ids, as many as asked.</summary>
    public static IReadOnlyList<string> Accounts(int count) => [.. Enumerable.Range(100_000_000, count).Select(n => "100" + n.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    public StackTemplate Listed { get; }

    /// <summary>The central stack for two members, and the member stack, as <see cref="SynthesizedStacks"/> has them.</summary>
    public StackTemplate Central { get; }

    public StackTemplate Member { get; }

    /// <summary>Code for a stack that is never synthesized (the settings are refused first).</summary>
    public static Amazon.CDK.AWS.Lambda.Code UnusedCode() => Amazon.CDK.AWS.Lambda.Code.FromInline("unused");

    /// <summary>One stack per region of <see cref="Regions"/>, in that order.</summary>
    public IReadOnlyList<StackTemplate> Organization { get; }

    public void Dispose()
    {
        Directory.Delete(_outputFolder, recursive: true);
        Directory.Delete(_codeFolder, recursive: true);
    }
}

[CollectionDefinition(OrganizationScaleStacks.Collection)]
public sealed class OrganizationScaleStacksDefinition : ICollectionFixture<OrganizationScaleStacks>;

[Collection(OrganizationScaleStacks.Collection)]
public sealed class OrganizationScaleTests(OrganizationScaleStacks scale)
{
    /// <summary>IAM quotas (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html), whitespace not counted.</summary>
    private const int InlinePerRole = 10_240;

    private const int ManagedPolicy = 6_144;

    [Fact]
    public void AssumeMemberRoles_AnyNumberOfAccounts_OneStatementOfTheOrganizationWhateverTheList()
    {
        Assert.Equal(AssumeMemberRoles(Central()).ToJsonString(), AssumeMemberRoles(scale.Listed).ToJsonString());
        var statement = AssumeMemberRoles(scale.Listed)["Statement"]!.AsArray().Single(s => (string?)s!["Sid"] == "AssumeMemberRoles")!;
        Assert.Equal(SynthesizedStacks.OrganizationId, (string?)statement["Condition"]!["StringEquals"]!["aws:ResourceOrgID"]);
        Assert.Contains(":iam::*:role/ec2-isolation/ec2-isolation-member-us-east-1", statement["Resource"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void EveryPolicyOfEveryTemplate_250ListedAndTheOrganizationScopedMode_WithinIamLimits()
    {
        var templates = new[] { scale.Listed, Central(), Member() }.Concat(scale.Organization).ToList();

        foreach (var template in templates)
        {
            var roles = template.Resources("AWS::IAM::Role");
            var inline = roles.ToDictionary(role => role.Key, role => (role.Value["Properties"]!["Policies"]?.AsArray() ?? []).Sum(p => Size(p!["PolicyDocument"]!)));
            foreach (var policy in template.Resources("AWS::IAM::Policy").Values)
            {
                foreach (var role in policy["Properties"]!["Roles"]!.AsArray())
                {
                    inline[(string)role!["Ref"]!] += Size(policy["Properties"]!["PolicyDocument"]!);
                }
            }

            Assert.All(inline, role => Assert.True(role.Value <= InlinePerRole, $"{template.TemplatePath}: {role.Key} has {role.Value} characters of inline policy"));
            Assert.All(template.Resources("AWS::IAM::ManagedPolicy"), policy =>
                Assert.True(Size(policy.Value["Properties"]!["PolicyDocument"]!) <= ManagedPolicy, $"{policy.Key} is over {ManagedPolicy}"));
        }
    }

    [Fact]
    public void AllowedAccounts_FiveHundredListed_RefusedAtSynthNamingTheOrganizationScopedMode()
    {
        var app = new App();
        var error = Assert.Throws<InvalidRequestException>(() => Ec2IsolationApp.AddStacks(
            app, SynthesizedStacks.CentralSettings with { AllowedAccounts = OrganizationScaleStacks.Accounts(500) }, OrganizationScaleStacks.UnusedCode, SynthesizedStacks.CentralAccount, "us-east-1"));

        Assert.Contains("over Lambda's 4 KB", error.Message, StringComparison.Ordinal);
        Assert.Contains("allowedAccounts=organization", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OrganizationScopedMode_FunctionMayListTheOrganizationsAccounts()
    {
        var statements = AssumeMemberRoles(scale.Organization[0])["Statement"]!.AsArray();
        var list = statements.Single(s => (string?)s!["Sid"] == "ListOrganizationAccounts")!;

        Assert.Equal(
            ["organizations:ListAccounts", "organizations:ListAccountsForParent", "organizations:ListOrganizationalUnitsForParent"],
            list["Action"]!.AsArray().Select(a => (string)a!));
        Assert.DoesNotContain(AssumeMemberRoles(scale.Listed)["Statement"]!.AsArray(), s => (string?)s!["Sid"] == "ListOrganizationAccounts");
    }

    [Fact]
    public void NotificationTopicArns_OnePerRegion_EachRegionalStacksAlarmsNotifyTheirRegionsTopic()
    {
        foreach (var (stack, topic) in scale.Organization.Zip(OrganizationScaleStacks.TopicArns))
        {
            stack.Template.AllResourcesProperties("AWS::CloudWatch::Alarm", new Props { ["AlarmActions"] = new[] { topic } });
        }
    }

    [Theory]
    [InlineData("us-east-1,eu-west-1", "arn:aws:sns:us-east-1:999999999999:soc", "no topic in eu-west-1")]
    [InlineData("us-east-1", "arn:aws:sns:us-east-1:999999999999:a,arn:aws:sns:us-east-1:999999999999:b", "several topics in us-east-1")]
    [InlineData("us-east-1", "soc-alarms", "must be SNS topic ARNs")]
    public void NotificationTopicArns_NotOnePerDeployedRegion_RefusedAtSynth(string regions, string topics, string why)
    {
        var app = new App(new AppProps { Context = new Dictionary<string, object> { ["regions"] = regions, ["notificationTopicArn"] = topics } });

        var error = Assert.Throws<InvalidRequestException>(() => DeploymentSettings.FromContext(app.Node));

        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotificationTopicArns_TopicOfAnotherRegionThanTheDefault_RefusedAtSynth()
    {
        var error = Assert.Throws<InvalidRequestException>(() => Ec2IsolationApp.AddStacks(
            new App(), DeploymentSettings.Defaults with { NotificationTopicArns = [OrganizationScaleStacks.TopicArns[1]] }, OrganizationScaleStacks.UnusedCode, null, "us-east-1"));

        Assert.Contains("no topic in us-east-1", error.Message, StringComparison.Ordinal);
    }

    private StackTemplate Central() => scale.Central;

    private StackTemplate Member() => scale.Member;

    private static JsonNode AssumeMemberRoles(StackTemplate template) =>
        template.Resources("AWS::IAM::Role").Values
            .SelectMany(role => role["Properties"]!["Policies"]?.AsArray() ?? [])
            .Single(policy => (string?)policy!["PolicyName"] == "assume-member-roles")!["PolicyDocument"]!;

    /// <summary>A policy's characters as IAM counts them (no whitespace); intrinsic functions count as written, more than they resolve to.</summary>
    private static int Size(JsonNode document) => document.ToJsonString().Count(c => !char.IsWhiteSpace(c));
}

/// <summary>The member StackSet reaching the security account, where the central stack already runs.</summary>
[Collection(OrganizationScaleStacks.Collection)]
public sealed class SecurityAccountMemberStackTests(OrganizationScaleStacks scale)
{
    [Fact]
    public void MemberStack_InTheCentralAccount_LeavesTheDenyAllProfileAndTheForwardingToTheCentralStack()
    {
        var member = scale.Member.Json;
        var condition = member["Conditions"]!["NotCentralAccount"]!.ToJsonString();
        Assert.Equal($"{{\"Fn::Not\":[{{\"Fn::Equals\":[{{\"Ref\":\"AWS::AccountId\"}},\"{SynthesizedStacks.CentralAccount}\"]}}]}}", condition);

        // The profile of the central stack's very name, and the forwarding rule with its role, only in the other accounts.
        var profile = scale.Member.Resources("AWS::IAM::InstanceProfile").Values.Single();
        var centralProfile = scale.Central.Resources("AWS::IAM::InstanceProfile").Values.Single();
        Assert.Equal(
            centralProfile["Properties"]!["InstanceProfileName"]!.ToJsonString().Replace("us-east-1", "{\"Ref\":\"AWS::Region\"}", StringComparison.Ordinal),
            Normalized(profile["Properties"]!["InstanceProfileName"]!));
        foreach (var type in new[] { "AWS::IAM::InstanceProfile", "AWS::Events::Rule" })
        {
            Assert.All(scale.Member.Resources(type).Values, resource => Assert.Equal("NotCentralAccount", (string?)resource["Condition"]));
        }

        Assert.Equal(
            ["NotCentralAccount", "NotCentralAccount", null, null],
            scale.Member.Resources("AWS::IAM::Role").Values.Select(role => (string?)role["Condition"]).OrderBy(c => c is null));
    }

    [Fact]
    public void MemberExecutionRole_InTheCentralAccount_PassesTheCentralStacksIsolationRole()
    {
        var role = scale.Member.Resources("AWS::IAM::Role").Values.Single(r => r["Properties"]!["RoleName"]?.ToJsonString().Contains("ec2-isolation-member-", StringComparison.Ordinal) == true);
        var pass = role["Properties"]!["Policies"]!.AsArray().Single()!["PolicyDocument"]!["Statement"]!.AsArray()
            .Single(s => (string?)s!["Sid"] == "PassIsolationRoleToEc2")!;

        var choice = pass["Resource"]!["Fn::If"]!.AsArray();
        Assert.Equal("NotCentralAccount", (string?)choice[0]);
        Assert.Contains("Fn::GetAtt", choice[1]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains(":role/ec2-isolation/*", choice[2]!.ToJsonString(), StringComparison.Ordinal);
    }

    /// <summary>A name as a Fn::Join of its parts, compared as text.</summary>
    private static string Normalized(System.Text.Json.Nodes.JsonNode name) =>
        name["Fn::Join"] is { } join ? "\"" + string.Concat(join[1]!.AsArray().Select(p => p is System.Text.Json.Nodes.JsonValue v ? (string)v! : p!.ToJsonString())) + "\"" : name.ToJsonString();
}

/// <summary>cfn-lint over the organization-scale templates too (the organization-scoped policy, the per-region topics).</summary>
[Collection(OrganizationScaleStacks.Collection)]
public sealed class OrganizationScaleLintTests(OrganizationScaleStacks scale)
{
    [Fact]
    [Trait("Category", "Lint")]
    public Task CfnLint_OrganizationScaleTemplates_AreClean() => CfnLintTests.AssertCleanAsync([scale.Listed, .. scale.Organization]);
}
