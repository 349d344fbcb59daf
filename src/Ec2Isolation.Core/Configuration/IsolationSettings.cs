using System.Globalization;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Configuration;

/// <summary>
/// Configuration shared by the Lambda and the CLI, read from EC2ISOLATION_* environment variables.
/// Every variable is documented in the README's configuration table.
/// </summary>
public sealed record IsolationSettings
{
    public const string DefaultTriggerTagKey = "ec2-isolation";
    public const string DefaultTriggerTagValue = "isolate";

    /// <summary>The DynamoDB table of isolation records (EC2ISOLATION_TABLE).</summary>
    public required string TableName { get; init; }

    /// <summary>The deny-all instance profile, name or ARN (EC2ISOLATION_INSTANCE_PROFILE). Needed to isolate, not to release.</summary>
    public string? IsolationInstanceProfile { get; init; }

    public string TriggerTagKey { get; init; } = DefaultTriggerTagKey;
    public string TriggerTagValue { get; init; } = DefaultTriggerTagValue;

    /// <summary>Ingress the quarantine group allows for forensics (EC2ISOLATION_FORENSIC_INGRESS), TCP only.</summary>
    public IReadOnlyList<SecurityGroupRule> ForensicIngress { get; init; } = [];

    /// <summary>Whether to snapshot every EBS volume (EC2ISOLATION_SNAPSHOTS, default true).</summary>
    public bool CreateSnapshots { get; init; } = true;

    /// <summary>How long a run may hold a record before another run may take over (EC2ISOLATION_LEASE_SECONDS).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>GuardDuty findings at or above this severity isolate their instance (EC2ISOLATION_GUARDDUTY_MIN_SEVERITY, default 7.0: High).</summary>
    public double GuardDutyMinSeverity { get; init; } = 7.0;

    /// <summary>When not empty, only finding types starting with one of these isolate (EC2ISOLATION_GUARDDUTY_TYPE_PREFIXES, comma-separated).</summary>
    public IReadOnlyList<string> GuardDutyTypePrefixes { get; init; } = [];

    /// <summary>The SSM SecureString parameter holding the Slack incoming webhook URL (EC2ISOLATION_SLACK_WEBHOOK_PARAMETER); no Slack notices when null.</summary>
    public string? SlackWebhookParameter { get; init; }

    /// <summary>Jira Cloud, where isolations open issues (EC2ISOLATION_JIRA_*); no tickets when null.</summary>
    public JiraSettings? Jira { get; init; }

    /// <summary>Central mode: the member accounts it may act in and the role it assumes there (EC2ISOLATION_MEMBER_ROLE_NAME, ...); null: its own account only.</summary>
    public AccountSettings? Accounts { get; init; }

    /// <summary>Attack sequences and the Security Hub custom action (EC2ISOLATION_ATTACK_SEQUENCES, EC2ISOLATION_SECURITYHUB_ACTION_ID).</summary>
    public EventKindSettings EventKinds { get; init; } = new();

    /// <summary>Whether to cut always-tracked paths with network ACL denies of the instance's addresses (EC2ISOLATION_NETWORK_ACL_CUT, default true).</summary>
    public bool CutTrackedPaths { get; init; } = true;

    /// <summary>Whether to turn the instance metadata service off while isolated (EC2ISOLATION_DISABLE_METADATA, default false: it stops the SSM agent too).</summary>
    public bool DisableMetadata { get; init; }

    /// <summary>Whether to shorten the ENIs' connection tracking idle timeouts while isolated (EC2ISOLATION_SHORTEN_CONNECTION_TRACKING, default false).</summary>
    public bool ShortenConnectionTracking { get; init; }

    /// <summary>
    /// The SQS queue that finishes the EC2 evidence steps EC2 throttled once a network is contained
    /// (EC2ISOLATION_CONTINUATION_QUEUE_URL, an https URL); null: every step runs in the run that contained the network.
    /// </summary>
    public Uri? ContinuationQueueUrl { get; init; }

    /// <summary>
    /// The result event bus (EC2ISOLATION_RESULT_BUS_NAME, a name or an ARN), where the function puts the results of the
    /// continuation queue's invocations, which Lambda's destinations do not carry; null: they are only logged.
    /// </summary>
    public string? ResultBusName { get; init; }

    /// <summary>Whether to record, then delete, the instance's EC2 key pair while isolated (EC2ISOLATION_DELETE_KEY_PAIR, default false).</summary>
    public bool DeleteKeyPair { get; init; }

    /// <summary>Whether the isolation stops the instance once its snapshots have completed (EC2ISOLATION_STOP_AFTER_SNAPSHOTS, default false: memory is lost).</summary>
    public bool StopAfterSnapshots { get; init; }

    /// <summary>
    /// How long <c>replace</c> waits for Amazon Inspector to scan the replacement before it reports "not scanned"
    /// (EC2ISOLATION_INSPECTOR_WAIT_SECONDS, default 300; 0 looks once).
    /// </summary>
    public TimeSpan InspectorWait { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>What each trigger and severity band does: contain, ask, notify or ignore (EC2ISOLATION_TIERS; docs/tiers.md).</summary>
    public TierPolicy Tiers { get; init; } = TierPolicy.Default;

    /// <summary>Approvals in Slack: the signing secret's parameter and the approvers (EC2ISOLATION_SLACK_SIGNING_SECRET_PARAMETER, EC2ISOLATION_APPROVERS); null: none.</summary>
    public ApprovalSettings? Approvals { get; init; }

    public string QuarantineGroupName { get; init; } = "ec2-isolation-quarantine";
    public string AllTrafficGroupName { get; init; } = "ec2-isolation-all-traffic";

    /// <summary>Prefix of the tags the tool writes; distinct from the trigger tag key so they never re-trigger it.</summary>
    public string StatusTagPrefix => TriggerTagKey + ":";

    /// <summary>Reads the settings; throws <see cref="InvalidRequestException"/> naming every variable that is wrong.</summary>
    public static IsolationSettings FromEnvironment(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        var problems = new List<string>();
        string? Read(string name) => string.IsNullOrWhiteSpace(getVariable(name)) ? null : getVariable(name)!.Trim();

        var table = Read("EC2ISOLATION_TABLE");
        if (table is null)
        {
            problems.Add("EC2ISOLATION_TABLE is not set: name the DynamoDB table of isolation records");
        }

        var settings = new IsolationSettings
        {
            TableName = table ?? string.Empty,
            IsolationInstanceProfile = Read("EC2ISOLATION_INSTANCE_PROFILE"),
            TriggerTagKey = Read("EC2ISOLATION_TAG_KEY") ?? DefaultTriggerTagKey,
            TriggerTagValue = Read("EC2ISOLATION_TAG_VALUE") ?? DefaultTriggerTagValue,
        };

        if (Read("EC2ISOLATION_FORENSIC_INGRESS") is { } ingress)
        {
            try
            {
                settings = settings with { ForensicIngress = ForensicIngressParser.Parse(ingress) };
            }
            catch (FormatException e)
            {
                problems.Add("EC2ISOLATION_FORENSIC_INGRESS: " + e.Message);
            }
        }

        if (SettingFlags.Read(Read, "EC2ISOLATION_SNAPSHOTS", problems) is { } snapshots)
        {
            settings = settings with { CreateSnapshots = snapshots };
        }

        if (Read("EC2ISOLATION_LEASE_SECONDS") is { } lease)
        {
            if (int.TryParse(lease, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 30 and <= 3600)
            {
                settings = settings with { LeaseDuration = TimeSpan.FromSeconds(seconds) };
            }
            else
            {
                problems.Add($"EC2ISOLATION_LEASE_SECONDS must be a whole number of seconds from 30 to 3600, not '{lease}'");
            }
        }

        if (Read("EC2ISOLATION_GUARDDUTY_MIN_SEVERITY") is { } severity)
        {
            if (double.TryParse(severity, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= 10)
            {
                settings = settings with { GuardDutyMinSeverity = value };
            }
            else
            {
                problems.Add($"EC2ISOLATION_GUARDDUTY_MIN_SEVERITY must be a number from 1.0 to 10.0, not '{severity}'");
            }
        }

        if (Read("EC2ISOLATION_GUARDDUTY_TYPE_PREFIXES") is { } prefixes)
        {
            settings = settings with { GuardDutyTypePrefixes = prefixes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
        }

        if (Read("EC2ISOLATION_CONTINUATION_QUEUE_URL") is { } queue)
        {
            if (Uri.TryCreate(queue, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.IsLoopback))
            {
                settings = settings with { ContinuationQueueUrl = url };
            }
            else
            {
                problems.Add($"EC2ISOLATION_CONTINUATION_QUEUE_URL must be the queue's https URL, not '{queue}'");
            }
        }

        if (Read("EC2ISOLATION_RESULT_BUS_NAME") is { } bus)
        {
            // PutEvents' EventBusName: a name or an ARN, at most 1600 characters
            // (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html).
            if (bus.Length <= 1600 && System.Text.RegularExpressions.Regex.IsMatch(bus, @"^(arn:aws[\w-]*:events:[a-z0-9-]+:\d{12}:event-bus/)?[/\.\-_A-Za-z0-9]+$"))
            {
                settings = settings with { ResultBusName = bus };
            }
            else
            {
                problems.Add($"EC2ISOLATION_RESULT_BUS_NAME must be an event bus name or ARN, not '{bus}'");
            }
        }

        settings = TrackedPathSettingsReader.Read(settings, Read, problems);
        settings = NotificationSettingsReader.Read(settings, Read, problems);
        settings = AccountSettingsReader.Read(settings, Read, problems);
        settings = EventKindSettingsReader.Read(settings, Read, problems);
        settings = AfterContainmentSettingsReader.Read(settings, Read, problems);
        settings = ScanSettingsReader.Read(settings, Read, problems);
        settings = ApprovalSettingsReader.Read(settings, Read, problems);
        return problems.Count == 0
            ? settings
            : throw new InvalidRequestException("Configuration is incomplete: " + string.Join("; ", problems) + ".");
    }

    /// <summary>The isolation profile, or a clear error when it is needed and missing.</summary>
    public string RequireIsolationInstanceProfile() =>
        IsolationInstanceProfile ?? throw new InvalidRequestException(
            "EC2ISOLATION_INSTANCE_PROFILE is not set: name the deny-all instance profile (name or ARN) that replaces the instance's own.");
}
