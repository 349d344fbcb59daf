using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.CXAPI;

namespace Ec2Isolation.Cdk.Tests;

/// <summary>
/// The app synthesized once for every test class of the collection (a synth starts a jsii node process and takes
/// seconds): a stack with the defaults (environment-agnostic, as `cdk synth` with no AWS account makes it), one with
/// every optional setting given, and one notifying an existing topic. Code is a stub folder: no publish step.
/// </summary>
public sealed class SynthesizedStacks : IDisposable
{
    public const string Collection = "Synthesized stacks";

    /// <summary>Every setting away from its default, the optional ones given.</summary>
    public static DeploymentSettings ConfiguredSettings { get; } = DeploymentSettings.Defaults with
    {
        TagKey = "quarantine",
        TagValue = "now",
        GuardDutyMinSeverity = 8.5,
        GuardDutyTypePrefixes = ["Backdoor:EC2/", "CryptoCurrency:EC2/"],
        SweepMinutes = 5,
        ForensicIngress = "10.9.0.0/24:22",
        Snapshots = false,
        NotificationEmail = "soc@example.com",
        RevocableRoles = "workloads/*",
        ReservedConcurrency = 5,
        SlackWebhookParameter = "/ec2-isolation/slack-webhook",
        JiraUrl = "https://example.atlassian.net",
        JiraProject = "SEC",
        JiraUser = "soc@example.com",
        JiraTokenParameter = JiraTokenParameterArn,
        JiraIssueType = "Incident",
        SecretsKeyArn = SecretsKeyArn,
        AttackSequences = false,
        SecurityHubActionId = "SocIsolate",
        ContainmentAlarmSeconds = 30,
    };

    /// <summary>
    /// Slack approvals: a tier that asks below the threshold, the signing secret and the approvers. In the organization's
    /// assembly: moto's CloudFormation does not create a function URL.
    /// </summary>
    public static DeploymentSettings ApprovalSettings { get; } = DeploymentSettings.Defaults with
    {
        GuardDutyMinSeverity = 8.5,
        SlackWebhookParameter = "/ec2-isolation/slack-webhook",
        Tiers = "guardduty:4-8.5=ask/30/contain",
        SlackSigningSecretParameter = "/ec2-isolation/slack-signing-secret",
        Approvers = "U0123ABCD,U0456EFGH,S0604QSJC",
        SlackBotTokenParameter = "/ec2-isolation/slack-bot-token",
    };

    /// <summary>The Jira token's parameter, given as an ARN (the Slack one as a name).</summary>
    public const string JiraTokenParameterArn = "arn:aws:ssm:eu-west-1:123456789012:parameter/soc/jira-token";

    public const string SecretsKeyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    public const string ExistingTopicArn = "arn:aws:sns:us-west-2:123456789012:soc-alarms";

    public const string OrganizationId = "o-a1b2c3d4e5";

    public const string CentralAccount = "999999999999";

    /// <summary>The security account's stack in central mode, for two members.</summary>
    public static DeploymentSettings CentralSettings { get; } = DeploymentSettings.Defaults with
    {
        AllowedAccounts = ["111111111111", "222222222222"],
        OrganizationId = OrganizationId,
        MemberExternalId = "isolation-2026",
    };

    /// <summary>The analysts' roles in the security account the member template's analyst role trusts.</summary>
    public static IReadOnlyList<string> AnalystPrincipalArns { get; } =
        [$"arn:aws:iam::{CentralAccount}:role/SecurityAnalyst", $"arn:aws:iam::{CentralAccount}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_IR_0123456789abcdef"];

    /// <summary>The member accounts' StackSet template (`-c mode=member`), with an analyst role.</summary>
    public static DeploymentSettings MemberSettings { get; } = DeploymentSettings.Defaults with
    {
        MemberMode = true,
        CentralAccount = CentralAccount,
        OrganizationId = OrganizationId,
        MemberExternalId = "isolation-2026",
        AnalystPrincipalArns = AnalystPrincipalArns,
    };

    private readonly string _codeFolder = StubCode.CreateFolder();
    private readonly string _outputFolder = Directory.CreateTempSubdirectory("ec2-isolation-cdk-").FullName;
    private readonly string _organizationFolder = Directory.CreateTempSubdirectory("ec2-isolation-cdk-organization-").FullName;

    public SynthesizedStacks()
    {
        JsiiNode.SilenceVersionWarnings();
        var app = new App(new AppProps { Outdir = _outputFolder });
        Code Code() => Amazon.CDK.AWS.Lambda.Code.FromAsset(_codeFolder);
        var defaults = Ec2IsolationApp.AddStacks(app, DeploymentSettings.Defaults, Code, account: null, defaultRegion: null).Single();
        var configured = Ec2IsolationApp.AddStacks(app, ConfiguredSettings, Code, account: null, defaultRegion: "eu-west-1").Single();
        var existingTopic = Ec2IsolationApp.AddStacks(
            app, DeploymentSettings.Defaults with { NotificationTopicArns = [ExistingTopicArn], ReservedConcurrency = 0 }, Code, account: null, defaultRegion: "us-west-2").Single();
        var assembly = app.Synth();
        StackTemplate Load(Stack stack, CloudAssembly from) => new(Template.FromStack(stack), from.GetStackArtifact(stack.ArtifactId).TemplateFullPath);
        Defaults = Load(defaults, assembly);
        Configured = Load(configured, assembly);
        ExistingTopic = Load(existingTopic, assembly);

        // The organization's stacks in an assembly of their own: moto's CloudFormation answers the central stack with an
        // error page, so MotoDeployTests deploys the per-account ones only; cfn-lint checks these as the others.
        var organization = new App(new AppProps { Outdir = _organizationFolder });
        var central = Ec2IsolationApp.AddStacks(organization, CentralSettings, Code, account: CentralAccount, defaultRegion: "us-east-1").Single();
        var member = Ec2IsolationApp.AddMemberStack(organization, MemberSettings);
        var approvals = Ec2IsolationApp.AddStacks(organization, ApprovalSettings, Code, account: null, defaultRegion: "eu-central-1").Single();
        var organizationAssembly = organization.Synth();
        Central = Load(central, organizationAssembly);
        Member = Load(member, organizationAssembly);
        Approvals = Load(approvals, organizationAssembly);
    }

    public StackTemplate Defaults { get; }

    public StackTemplate Configured { get; }

    public StackTemplate ExistingTopic { get; }

    public StackTemplate Central { get; }

    public StackTemplate Member { get; }

    public StackTemplate Approvals { get; }

    public IReadOnlyList<StackTemplate> All => [Defaults, Configured, ExistingTopic, Central, Member, Approvals];

    /// <summary>The cloud assembly folder, as `cdk synth -o` writes it: templates, asset manifests, staged assets.</summary>
    public string AssemblyFolder => _outputFolder;

    public void Dispose()
    {
        Directory.Delete(_outputFolder, recursive: true);
        Directory.Delete(_organizationFolder, recursive: true);
        Directory.Delete(_codeFolder, recursive: true);
    }
}

/// <summary>One synthesized stack: the CDK assertions over it, and its template file (also as JSON, for walking it).</summary>
public sealed record StackTemplate(Template Template, string TemplatePath)
{
    public JsonNode Json { get; } = JsonNode.Parse(File.ReadAllText(TemplatePath))!;

    /// <summary>The resources of one type, by logical id.</summary>
    public IReadOnlyDictionary<string, JsonNode> Resources(string type) =>
        Json["Resources"]!.AsObject()
            .Where(resource => (string?)resource.Value!["Type"] == type)
            .ToDictionary(resource => resource.Key, resource => resource.Value!);
}

[CollectionDefinition(SynthesizedStacks.Collection)]
public sealed class SynthesizedStacksDefinition : ICollectionFixture<SynthesizedStacks>;
