using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using Amazon.CDK.AWS.Lambda;

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
    };

    /// <summary>The Jira token's parameter, given as an ARN (the Slack one as a name).</summary>
    public const string JiraTokenParameterArn = "arn:aws:ssm:eu-west-1:123456789012:parameter/soc/jira-token";

    public const string SecretsKeyArn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    public const string ExistingTopicArn = "arn:aws:sns:us-west-2:123456789012:soc-alarms";

    private readonly string _codeFolder = StubCode.CreateFolder();
    private readonly string _outputFolder = Directory.CreateTempSubdirectory("ec2-isolation-cdk-").FullName;

    public SynthesizedStacks()
    {
        JsiiNode.SilenceVersionWarnings();
        var app = new App(new AppProps { Outdir = _outputFolder });
        Code Code() => Amazon.CDK.AWS.Lambda.Code.FromAsset(_codeFolder);
        var defaults = Ec2IsolationApp.AddStacks(app, DeploymentSettings.Defaults, Code, account: null, defaultRegion: null).Single();
        var configured = Ec2IsolationApp.AddStacks(app, ConfiguredSettings, Code, account: null, defaultRegion: "eu-west-1").Single();
        var existingTopic = Ec2IsolationApp.AddStacks(
            app, DeploymentSettings.Defaults with { NotificationTopicArn = ExistingTopicArn, ReservedConcurrency = 0 }, Code, account: null, defaultRegion: "us-west-2").Single();
        var assembly = app.Synth();
        StackTemplate Load(Ec2IsolationStack stack) => new(Template.FromStack(stack), assembly.GetStackArtifact(stack.ArtifactId).TemplateFullPath);
        Defaults = Load(defaults);
        Configured = Load(configured);
        ExistingTopic = Load(existingTopic);
    }

    public StackTemplate Defaults { get; }

    public StackTemplate Configured { get; }

    public StackTemplate ExistingTopic { get; }

    public IReadOnlyList<StackTemplate> All => [Defaults, Configured, ExistingTopic];

    /// <summary>The cloud assembly folder, as `cdk synth -o` writes it: templates, asset manifests, staged assets.</summary>
    public string AssemblyFolder => _outputFolder;

    public void Dispose()
    {
        Directory.Delete(_outputFolder, recursive: true);
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
