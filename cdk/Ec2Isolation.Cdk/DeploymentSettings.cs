using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using Constructs;
using Ec2Isolation.Core;
using Ec2Isolation.Core.Configuration;

namespace Ec2Isolation.Cdk;

/// <summary>
/// What a deployment chooses, read once from CDK context (`cdk.json`'s "context", or `-c key=value`) by
/// <see cref="FromContext"/>. The key of each setting is in its comment, with its default.
/// </summary>
public sealed partial record DeploymentSettings
{
    /// <summary>`tagKey`, default "ec2-isolation": the tag that isolates an instance.</summary>
    public required string TagKey { get; init; }

    /// <summary>`tagValue`, default "isolate": the trigger tag's value.</summary>
    public required string TagValue { get; init; }

    /// <summary>`guardDutyMinSeverity`, default 7 (High): findings at or above it isolate their instance.</summary>
    public required double GuardDutyMinSeverity { get; init; }

    /// <summary>`guardDutyTypePrefixes`, comma-separated, default none (every type): finding types that isolate.</summary>
    public required IReadOnlyList<string> GuardDutyTypePrefixes { get; init; }

    /// <summary>`sweepMinutes`, default 15: how often the sweep isolates tagged instances a lost tag event missed.</summary>
    public required int SweepMinutes { get; init; }

    /// <summary>`forensicIngress`, default none: the quarantine group's ingress, as EC2ISOLATION_FORENSIC_INGRESS.</summary>
    public required string? ForensicIngress { get; init; }

    /// <summary>`snapshots`, default true: snapshot every EBS volume of an isolated instance.</summary>
    public required bool Snapshots { get; init; }

    /// <summary>`regions`, comma-separated, default the CLI's region: one stack for each.</summary>
    public required IReadOnlyList<string> Regions { get; init; }

    /// <summary>
    /// `notificationEmail`, default none: a topic is created in each region with this address subscribed to the alarms.
    /// SNS sends the address a confirmation message per region, and the subscription stays pending, delivering nothing,
    /// until someone opens the link in it.
    /// </summary>
    public required string? NotificationEmail { get; init; }

    /// <summary>
    /// `notificationTopicArn`, comma-separated, default none: existing topics for the alarms (instead of an email), one in
    /// each region deployed: a CloudWatch alarm notifies a topic of its own region only, so every regional stack takes
    /// the topic of its region, and the synth fails for a region without one.
    /// </summary>
    public required IReadOnlyList<string> NotificationTopicArns { get; init; }

    /// <summary>
    /// `revocableRoles`, default "*": the roles (path and name pattern after `role/`, e.g. "workloads/*") whose
    /// instances' credentials the function may revoke, which is writing an inline policy onto them.
    /// </summary>
    public required string RevocableRoles { get; init; }

    /// <summary>
    /// `reservedConcurrency`, default 0 (none): invocations kept for the function alone, so that a busy account never
    /// starves containment. Lambda keeps 100 of an account's concurrency unreserved, so reserving N fails the deployment
    /// in any account whose limit is under N + 100 (new accounts have 10):
    /// https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html. Set it where the limit allows.
    /// </summary>
    public required int ReservedConcurrency { get; init; }

    /// <summary>
    /// `slackWebhookParameter`, default none (no Slack): the SSM SecureString parameter (name or ARN) holding the Slack
    /// incoming webhook URL, as EC2ISOLATION_SLACK_WEBHOOK_PARAMETER.
    /// </summary>
    public required string? SlackWebhookParameter { get; init; }

    /// <summary>`jiraUrl`, default none (no Jira): the Jira Cloud site, as EC2ISOLATION_JIRA_URL; Jira needs the next three too.</summary>
    public required string? JiraUrl { get; init; }

    /// <summary>`jiraProject`: the project key issues are created in, as EC2ISOLATION_JIRA_PROJECT.</summary>
    public required string? JiraProject { get; init; }

    /// <summary>`jiraUser`: the email address of the Atlassian account the API token belongs to, as EC2ISOLATION_JIRA_USER.</summary>
    public required string? JiraUser { get; init; }

    /// <summary>`jiraTokenParameter`: the SSM SecureString parameter (name or ARN) holding the API token, as EC2ISOLATION_JIRA_TOKEN_PARAMETER.</summary>
    public required string? JiraTokenParameter { get; init; }

    /// <summary>`jiraIssueType`, default the function's (Task): the issue type's name, as EC2ISOLATION_JIRA_ISSUE_TYPE.</summary>
    public required string? JiraIssueType { get; init; }

    /// <summary>
    /// `secretsKeyArn`, default none: the customer managed KMS key that encrypts the SecureString parameters, which the
    /// function is then allowed to decrypt with (through SSM only). None for the AWS managed key aws/ssm, whose key
    /// policy already lets every principal of the account decrypt through SSM.
    /// </summary>
    public required string? SecretsKeyArn { get; init; }

    /// <summary>The SSM parameters (names or ARNs) of the configured notifiers' secrets; empty when no notifier is configured.</summary>
    public IReadOnlyList<string> SecretParameters => [.. new[] { SlackWebhookParameter, JiraTokenParameter, SlackSigningSecretParameter, SlackBotTokenParameter }.OfType<string>()];

    /// <summary>`tiers`, default none (contain as before tiers): the tier table, as EC2ISOLATION_TIERS (docs/tiers.md).</summary>
    public string? Tiers { get; init; }

    /// <summary>
    /// `slackSigningSecretParameter`, default none (no approvals in Slack): the SSM SecureString parameter holding the Slack
    /// app's signing secret, as EC2ISOLATION_SLACK_SIGNING_SECRET_PARAMETER; with it the stack serves the interactivity URL.
    /// </summary>
    public string? SlackSigningSecretParameter { get; init; }

    /// <summary>`approvers`: the Slack user ids (U..., W...) and user group ids (S...) that may approve or deny, comma-separated, as EC2ISOLATION_APPROVERS.</summary>
    public string? Approvers { get; init; }

    /// <summary>
    /// `slackBotTokenParameter`, default none: the SSM SecureString parameter holding the Slack app's bot token (scope
    /// usergroups:read), with which the members of approver user groups are read, as EC2ISOLATION_SLACK_BOT_TOKEN_PARAMETER.
    /// </summary>
    public string? SlackBotTokenParameter { get; init; }

    /// <summary>
    /// `allowedAccounts`, comma-separated account ids, organizational unit ids (ou-...), "organization" or "*", default
    /// none: central mode, where this deployment also isolates instances of these member accounts through their member
    /// role (EC2ISOLATION_ALLOWED_ACCOUNTS). The organization and its units are read from AWS Organizations when the
    /// function runs, so an account created later is covered without a redeploy.
    /// </summary>
    public IReadOnlyList<string> AllowedAccounts { get; init; } = [];

    /// <summary>`organizationId` (o-...): the organization whose principals alone may put events on the central bus and assume the member roles (central and member modes).</summary>
    public string? OrganizationId { get; init; }

    /// <summary>`memberExternalId`, default none: the external id the member roles require (EC2ISOLATION_MEMBER_EXTERNAL_ID).</summary>
    public string? MemberExternalId { get; init; }

    /// <summary>`mode`, "account" (default: the service in this account, central when <see cref="AllowedAccounts"/> is set) or "member".</summary>
    public bool MemberMode { get; init; }

    /// <summary>`centralAccount`: the security account whose function the member stack trusts (member mode).</summary>
    public string? CentralAccount { get; init; }

    /// <summary>
    /// `analystPrincipalArns`, comma-separated role ARNs of the security account, default none (member mode): the
    /// analysts' roles the member stack's analyst role trusts, for `ec2-isolation --account`; none, no analyst role.
    /// </summary>
    public IReadOnlyList<string> AnalystPrincipalArns { get; init; } = [];

    /// <summary>`attackSequences`, default true: GuardDuty's AttackSequence:EC2/CompromisedInstanceGroup findings isolate every instance they name (EC2ISOLATION_ATTACK_SEQUENCES).</summary>
    public bool AttackSequences { get; init; } = true;

    /// <summary>
    /// `securityHubActionId`, default "Ec2Isolate", or none: the Security Hub custom action the stack creates, whose
    /// findings isolate their EC2 instances (EC2ISOLATION_SECURITYHUB_ACTION_ID). Creating it needs Security Hub enabled.
    /// </summary>
    public string? SecurityHubActionId { get; init; } = EventKindContext.DefaultSecurityHubActionId;

    /// <summary>
    /// `containmentAlarmSeconds`, default 60: the time-to-containment alarm fires when the slowest isolations (p99 over
    /// 5 minutes) contained their network later than this after their event (docs/metrics.md).
    /// </summary>
    public int ContainmentAlarmSeconds { get; init; } = 60;

    public bool CentralMode => AllowedAccounts.Count > 0;

    /// <summary>The defaults alone: what a deployment without context gets.</summary>
    public static DeploymentSettings Defaults { get; } = new()
    {
        TagKey = IsolationSettings.DefaultTriggerTagKey,
        TagValue = IsolationSettings.DefaultTriggerTagValue,
        GuardDutyMinSeverity = 7,
        GuardDutyTypePrefixes = [],
        SweepMinutes = 15,
        ForensicIngress = null,
        Snapshots = true,
        Regions = [],
        NotificationEmail = null,
        NotificationTopicArns = [],
        RevocableRoles = "*",
        ReservedConcurrency = 0,
        SlackWebhookParameter = null,
        JiraUrl = null,
        JiraProject = null,
        JiraUser = null,
        JiraTokenParameter = null,
        JiraIssueType = null,
        SecretsKeyArn = null,
    };

    /// <summary>Reads every setting from the context of <paramref name="node"/>; throws <see cref="InvalidRequestException"/> naming each key whose value is wrong.</summary>
    public static DeploymentSettings FromContext(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var problems = new List<string>();
        string? Read(string key) => Text(node.TryGetContext(key)) is { Length: > 0 } value ? value : null;
        IReadOnlyList<string> List(string key, IReadOnlyList<string> fallback) =>
            Read(key)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? fallback;
        T Parse<T>(string key, T fallback, Func<string, T?> parse, string expected)
            where T : struct
        {
            if (Read(key) is not { } text)
            {
                return fallback;
            }

            if (parse(text) is { } value)
            {
                return value;
            }

            problems.Add($"{key} must be {expected}, not '{text}'");
            return fallback;
        }

        var defaults = Defaults;
        var settings = new DeploymentSettings
        {
            TagKey = Read("tagKey") ?? defaults.TagKey,
            TagValue = Read("tagValue") ?? defaults.TagValue,
            GuardDutyMinSeverity = Parse<double>("guardDutyMinSeverity", defaults.GuardDutyMinSeverity,
                text => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 10 ? v : null,
                "a number from 1 to 10"),
            GuardDutyTypePrefixes = List("guardDutyTypePrefixes", defaults.GuardDutyTypePrefixes),
            SweepMinutes = Parse<int>("sweepMinutes", defaults.SweepMinutes,
                text => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 1440 ? v : null,
                "a whole number of minutes from 1 to 1440"),
            ForensicIngress = Read("forensicIngress"),
            Snapshots = Parse<bool>("snapshots", defaults.Snapshots, text => bool.TryParse(text, out var v) ? v : null, "true or false"),
            Regions = List("regions", defaults.Regions),
            NotificationEmail = Read("notificationEmail"),
            NotificationTopicArns = List("notificationTopicArn", defaults.NotificationTopicArns),
            RevocableRoles = (Read("revocableRoles") ?? defaults.RevocableRoles).TrimStart('/'),
            ReservedConcurrency = Parse<int>("reservedConcurrency", defaults.ReservedConcurrency,
                text => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v <= 1000 ? v : null,
                "a whole number from 0 to 1000"),
            SlackWebhookParameter = Read("slackWebhookParameter"),
            JiraUrl = Read("jiraUrl"),
            JiraProject = Read("jiraProject"),
            JiraUser = Read("jiraUser"),
            JiraTokenParameter = Read("jiraTokenParameter"),
            JiraIssueType = Read("jiraIssueType"),
            SecretsKeyArn = Read("secretsKeyArn"),
        };
        if (settings.NotificationEmail is not null && settings.NotificationTopicArns.Count > 0)
        {
            problems.Add("notificationEmail and notificationTopicArn: set one of them, not both");
        }

        NotificationTopics.Check(settings, problems);

        if (settings.SecretsKeyArn is { } key)
        {
            if (!KmsKeyArn().IsMatch(key))
            {
                problems.Add($"secretsKeyArn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID), not '{key}'");
            }
            else if (settings.SecretParameters.Count == 0)
            {
                problems.Add("secretsKeyArn is set, but no notifier is (slackWebhookParameter, or jiraUrl with its settings)");
            }
        }

        settings = OrganizationSettings.Read(settings, Read, List, problems);
        settings = EventKindContext.Read(settings, Read, problems);
        settings = TrackedPathContext.Read(settings, Read, problems);
        settings = settings with
        {
            ContainmentAlarmSeconds = Parse<int>("containmentAlarmSeconds", defaults.ContainmentAlarmSeconds,
                text => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 86400 ? v : null,
                "a whole number of seconds from 1 to 86400"),
        };
        settings = AfterContainmentContext.Read(settings, Read, problems);
        settings = ApprovalContext.Read(settings, Read, problems);

        return problems.Count == 0
            ? settings
            : throw new InvalidRequestException("CDK context is invalid: " + string.Join("; ", problems) + ".");
    }

    /// <summary>
    /// The function's EC2ISOLATION_* environment for these settings, checked by the function's own configuration reader
    /// so that a value the function would refuse fails the synth instead of every invocation.
    /// </summary>
    /// <param name="region">The stack's region: central mode names the member role after it.</param>
    public IDictionary<string, string> FunctionEnvironment(string tableName, string instanceProfile, int leaseSeconds, string? region = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["EC2ISOLATION_TABLE"] = tableName,
            ["EC2ISOLATION_INSTANCE_PROFILE"] = instanceProfile,
            ["EC2ISOLATION_TAG_KEY"] = TagKey,
            ["EC2ISOLATION_TAG_VALUE"] = TagValue,
            ["EC2ISOLATION_SNAPSHOTS"] = Snapshots ? "true" : "false",
            ["EC2ISOLATION_LEASE_SECONDS"] = leaseSeconds.ToString(CultureInfo.InvariantCulture),
            ["EC2ISOLATION_GUARDDUTY_MIN_SEVERITY"] = GuardDutyMinSeverity.ToString(CultureInfo.InvariantCulture),
        };
        if (ForensicIngress is not null)
        {
            environment["EC2ISOLATION_FORENSIC_INGRESS"] = ForensicIngress;
        }

        if (GuardDutyTypePrefixes.Count > 0)
        {
            environment["EC2ISOLATION_GUARDDUTY_TYPE_PREFIXES"] = string.Join(',', GuardDutyTypePrefixes);
        }

        foreach (var (name, value) in new[]
        {
            (NotificationVariables.Slack, SlackWebhookParameter),
            (NotificationVariables.JiraUrl, JiraUrl),
            (NotificationVariables.JiraProject, JiraProject),
            (NotificationVariables.JiraUser, JiraUser),
            (NotificationVariables.JiraToken, JiraTokenParameter),
            (NotificationVariables.JiraIssueType, JiraIssueType),
        })
        {
            if (value is not null)
            {
                environment[name] = value;
            }
        }

        foreach (var (name, value) in OrganizationSettings.CentralEnvironment(this, region).Concat(EventKindContext.Environment(this)).Concat(TrackedPathContext.Environment(this)).Concat(AfterContainmentContext.Environment(this)).Concat(ApprovalContext.Environment(this)))
        {
            environment[name] = value;
        }

        // Lambda refuses a function whose variables total more than 4 KB
        // (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html): a long account list is the one way there.
        if (environment.Sum(variable => variable.Key.Length + variable.Value.Length) is var size and > MaxEnvironmentSize)
        {
            throw new InvalidRequestException(
                $"CDK context is invalid for the function: its environment would be {size} characters, over Lambda's 4 KB; "
                + "allowedAccounts lists too many accounts: name the organization (allowedAccounts=organization) or its units (ou-...) instead.");
        }

        try
        {
            IsolationSettings.FromEnvironment(environment.GetValueOrDefault);
        }
        catch (InvalidRequestException e)
        {
            throw new InvalidRequestException("CDK context is invalid for the function (EC2ISOLATION_* variables): " + e.Message);
        }

        return environment;
    }

    /// <summary>Lambda's limit on a function's environment variables, names and values together.</summary>
    public const int MaxEnvironmentSize = 4096;

    [GeneratedRegex(@"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")]
    private static partial Regex KmsKeyArn();

    /// <summary>A context value as text: `-c` gives strings, `cdk.json` gives JSON values (lists joined with commas).</summary>
    private static string? Text(object? value) => value switch
    {
        null => null,
        string text => text.Trim(),
        bool flag => flag ? "true" : "false",
        IEnumerable items => string.Join(',', items.Cast<object?>().Select(Text)),
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
