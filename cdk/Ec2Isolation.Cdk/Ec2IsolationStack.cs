using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Lambda.Destinations;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SQS;
using Constructs;
using Ec2Isolation.Aws.DynamoDb;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Notifications;
using LambdaFunctionTarget = Amazon.CDK.AWS.Events.Targets.LambdaFunction;
using LambdaFunctionTargetProps = Amazon.CDK.AWS.Events.Targets.LambdaFunctionProps;

namespace Ec2Isolation.Cdk;

public sealed class Ec2IsolationStackProps : StackProps
{
    public required DeploymentSettings Settings { get; init; }

    /// <summary>The function's code: the folder holding the Native AOT `bootstrap` (eng/publish-lambda.sh makes it).</summary>
    public required Code FunctionCode { get; init; }
}

/// <summary>
/// The whole service in one region: the record table, the deny-all isolation role and profile, the function, the three
/// EventBridge rules that invoke it (tag change, GuardDuty finding, scheduled sweep), the bus its results go to
/// (docs/result-events.md), dead-letter queues and alarms.
/// </summary>
public sealed partial class Ec2IsolationStack : Stack
{
    /// <summary>Every role of the stack is under this path, so that one ARN pattern denies the function writing onto any.</summary>
    public const string RolePath = "/ec2-isolation/";

    /// <summary>An invocation's time without notifiers.</summary>
    public const int FunctionTimeoutSeconds = 90;

    /// <summary>A run's lease on a record must outlast an invocation, or a retry could take over a run still working.</summary>
    public const int LeaseSeconds = 120;

    /// <summary>
    /// The function's timeout: with a notifier configured, the end of a run may wait for its last notices, so it gets
    /// that much more on top of <see cref="FunctionTimeoutSeconds"/>.
    /// </summary>
    public static int FunctionTimeout(DeploymentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.SecretParameters.Count == 0
            ? FunctionTimeoutSeconds
            : FunctionTimeoutSeconds + (int)Math.Ceiling(NoticeTiming.SettleBound(NoticeTiming.DefaultTimeout).TotalSeconds);
    }

    private readonly ITopic? _notifications;

    public Ec2IsolationStack(Construct scope, string id, Ec2IsolationStackProps props)
        : base(scope, id, props)
    {
        ArgumentNullException.ThrowIfNull(props);
        var settings = props.Settings;
        _notifications = NotificationTopics.For(this, settings);

        // Keyed by account, region and instance (DynamoRecordStore.KeyAttribute), so that one table holds every account's
        // records. A new construct id: a key schema cannot change in place, and the table of earlier releases ("Records")
        // is retained when this one replaces it; `ec2-isolation records migrate --from` copies its records (docs/many-accounts.md).
        var table = new Table(this, "RecordsByAccount", new TableProps
        {
            PartitionKey = new Amazon.CDK.AWS.DynamoDB.Attribute { Name = DynamoRecordStore.KeyAttribute, Type = AttributeType.STRING },
            BillingMode = BillingMode.PAY_PER_REQUEST,
            PointInTimeRecovery = true,
            Encryption = TableEncryption.AWS_MANAGED,
            // The records hold each instance's original configuration: release needs them, so they outlive the stack.
            RemovalPolicy = RemovalPolicy.RETAIN,
        });

        // Central mode: names every account of the organization shares (the member stacks derive them from the region too).
        var region = Token.IsUnresolved(Region) ? null : Region;
        var central = settings.CentralMode
            ? region ?? throw new Core.InvalidRequestException("Central mode (allowedAccounts) needs a region: set regions or the CLI's default region.")
            : null;
        var (isolationRole, isolationProfile) = AddIsolationProfile(this, central is null ? null : OrganizationNames.IsolationProfile(central));

        var policies = new Dictionary<string, PolicyDocument>
        {
            ["isolate"] = FunctionPolicy.Create(new(
                this, table.TableArn, isolationRole.RoleArn, settings.TagKey, settings.RevocableRoles, settings.SecretParameters, settings.SecretsKeyArn)),
        };
        if (central is not null)
        {
            policies["assume-member-roles"] = CentralPolicy.Create(this, settings, central);
        }

        var functionRole = new Role(this, "FunctionRole", new RoleProps
        {
            Description = "The isolation function",
            RoleName = central is null ? null : OrganizationNames.FunctionRole(central),
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            Path = RolePath,
            InlinePolicies = policies,
        });
        var logGroup = new LogGroup(this, "FunctionLogs", new LogGroupProps
        {
            Retention = RetentionDays.ONE_YEAR,
            RemovalPolicy = RemovalPolicy.RETAIN,
        });
        logGroup.GrantWrite(functionRole);

        // Lambda's asynchronous invocation records (docs/result-events.md): a success's, with the function's result, goes to
        // this bus; a failure's, after the retries, to the queue (not to a rule's dead-letter queue: EventBridge did deliver).
        var resultBus = new EventBus(this, "ResultBus", new EventBusProps { Description = "EC2 isolation results (docs/result-events.md)" });
        var failedInvocations = EncryptedQueue("FailedInvocations");
        var function = new Function(this, "Function", new FunctionProps
        {
            Description = "Isolates EC2 instances: tag changes, GuardDuty findings, and a sweep of tagged instances",
            Runtime = Runtime.PROVIDED_AL2023,
            Architecture = Architecture.X86_64,
            Handler = "bootstrap",
            Code = props.FunctionCode,
            MemorySize = 512,
            Timeout = Duration.Seconds(FunctionTimeout(settings)),
            ReservedConcurrentExecutions = settings.ReservedConcurrency > 0 ? settings.ReservedConcurrency : null,
            Role = functionRole,
            LogGroup = logGroup,
            Environment = settings.FunctionEnvironment(table.TableName, isolationProfile.InstanceProfileName, LeaseSeconds, region),
            // Both at Lambda's maximum: a failed run leaves a record that its retry completes, so every retry is worth
            // having; and an isolation hours late (an account's concurrency exhausted, throttling) still contains the
            // instance, so an event is never dropped for its age before 6 hours, when it goes to the failure queue.
            RetryAttempts = 2,
            MaxEventAge = Duration.Hours(6),
            OnSuccess = new EventBridgeDestination(resultBus),
            OnFailure = new SqsDestination(failedInvocations),
        });
        AddSlackInteractivityUrl(function, settings);
        AddAlarm("FunctionErrors", function.MetricErrors(), "The isolation function failed: see its log group and the FailedInvocations queue");
        AddAlarm("FailedInvocationsAlarm", failedInvocations.MetricApproximateNumberOfMessagesVisible(),
            "Events the isolation function failed on after its retries");
        AddAlarm("UncoveredAccountRefusalsAlarm", new Metric(new MetricProps
        {
            Namespace = DeploymentMetrics.Namespace,
            MetricName = DeploymentMetrics.UncoveredAccountRefusals,
            DimensionsMap = new Dictionary<string, string> { [DeploymentMetrics.FunctionNameDimension] = function.FunctionName },
            Statistic = Stats.SUM,
            Period = Duration.Minutes(5),
        }), "An event named an account or region this deployment does not cover: its instance was left as it was (see the function's log, event 2100)");
        AddAlarm("DestinationDeliveryFailuresAlarm", function.Metric("DestinationDeliveryFailures", new MetricOptions { Statistic = Stats.SUM }),
            "Lambda could not deliver an invocation record to the result bus or the failure queue (size, permissions)");

        AddTrigger("TagChange", function, new RuleProps
        {
            Description = "An analyst's trigger tag on an EC2 instance",
            EventPattern = TagChangePattern(settings),
        });
        if (central is not null)
        {
            AddOrganizationBus(function, settings);
        }

        AddTrigger("GuardDutyFinding", function, new RuleProps
        {
            Description = "GuardDuty findings about EC2 instances at or above the severity threshold",
            EventPattern = new EventPattern
            {
                Source = ["aws.guardduty"],
                DetailType = ["GuardDuty Finding"],
                Detail = GuardDutyDetail(settings),
            },
        });
        AddFindingTriggers(function, settings);
        AddContinuations(function, FunctionTimeout(settings), resultBus);
        AddTrigger("Sweep", function, new RuleProps
        {
            Description = "Isolates tagged instances whose tag event was lost",
            Schedule = Schedule.Rate(Duration.Minutes(settings.SweepMinutes)),
        });
        AddDashboard(function, settings);

        Output("TableName", table.TableName, "The DynamoDB table of isolation records (EC2ISOLATION_TABLE for the CLI)");
        Output("IsolationInstanceProfileName", isolationProfile.InstanceProfileName, "The deny-all instance profile (EC2ISOLATION_INSTANCE_PROFILE)");
        Output("FunctionName", function.FunctionName, "The isolation function");
        Output("ResultBusName", resultBus.EventBusName, "The event bus of isolation results (docs/result-events.md)");
        Output("ResultBusArn", resultBus.EventBusArn, "The event bus of isolation results");
        Output("FailedInvocationsQueueUrl", failedInvocations.QueueUrl, "Invocation records of events the function failed on after its retries");
    }

    /// <summary>The trigger tag set on an instance: the key among the changed keys *and* its value, so that the function's own tags (KEY:status...) never match.</summary>
    internal static EventPattern TagChangePattern(DeploymentSettings settings) => new()
    {
        Source = ["aws.tag"],
        DetailType = ["Tag Change on Resource"],
        Detail = new Dictionary<string, object>
        {
            ["service"] = new[] { "ec2" },
            ["resource-type"] = new[] { "instance" },
            ["changed-tag-keys"] = new[] { settings.TagKey },
            ["tags"] = new Dictionary<string, object> { [settings.TagKey] = new[] { settings.TagValue } },
        },
    };

    /// <summary>The deny-all role and its instance profile, swapped onto isolated instances; named when every account must agree on the name.</summary>
    internal static (Role Role, InstanceProfile Profile) AddIsolationProfile(Stack stack, string? profileName)
    {
        var role = new Role(stack, "IsolationRole", new RoleProps
        {
            Description = "Swapped onto an isolated instance: denies everything",
            AssumedBy = new ServicePrincipal("ec2.amazonaws.com"),
            Path = RolePath,
            InlinePolicies = new Dictionary<string, PolicyDocument>
            {
                ["deny-all"] = new(new PolicyDocumentProps
                {
                    Statements = [new PolicyStatement(new PolicyStatementProps { Effect = Effect.DENY, Actions = ["*"], Resources = ["*"] })],
                }),
            },
        });
        var profile = new InstanceProfile(stack, "IsolationProfile", new InstanceProfileProps { Role = role, Path = RolePath, InstanceProfileName = profileName });
        return (role, profile);
    }

    /// <summary>
    /// The bus member accounts forward their tag changes to: only the organization's accounts may put events on it, and
    /// its rule invokes the function as the default bus's does. GuardDuty findings need no bus: the delegated
    /// administrator receives every member's on its default bus.
    /// </summary>
    private void AddOrganizationBus(IFunction function, DeploymentSettings settings)
    {
        var bus = new EventBus(this, "OrganizationBus", new EventBusProps { EventBusName = OrganizationNames.BusName });
        bus.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "OrganizationPutEvents",
            Principals = [new AnyPrincipal()],
            Actions = ["events:PutEvents"],
            Resources = [bus.EventBusArn],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["aws:PrincipalOrgID"] = settings.OrganizationId! },
            },
        }));
        AddTrigger("MemberTagChange", function, new RuleProps
        {
            Description = "A trigger tag on an EC2 instance of a member account, forwarded by its member stack",
            EventBus = bus,
            EventPattern = TagChangePattern(settings),
        });
        AddMemberTamperTrigger(function, bus, settings);
    }

    private static Dictionary<string, object> GuardDutyDetail(DeploymentSettings settings)
    {
        var detail = new Dictionary<string, object>
        {
            ["resource"] = new Dictionary<string, object> { ["resourceType"] = new[] { "Instance" } },
            ["severity"] = new object[] { new Dictionary<string, object> { ["numeric"] = new object[] { ">=", ApprovalContext.RuleSeverity(settings, Core.Approvals.Triggers.GuardDuty) } } },
        };
        if (settings.GuardDutyTypePrefixes.Count > 0)
        {
            detail["type"] = settings.GuardDutyTypePrefixes.Select(prefix => new Dictionary<string, object> { ["prefix"] = prefix }).ToArray<object>();
        }

        return detail;
    }

    /// <summary>A rule invoking the function, retried by EventBridge, with its own dead-letter queue and an alarm on it.</summary>
    private void AddTrigger(string id, IFunction function, RuleProps props)
    {
        var deadLetters = EncryptedQueue(id + "DeadLetters");
        new Rule(this, id, props).AddTarget(new LambdaFunctionTarget(function, new LambdaFunctionTargetProps
        {
            DeadLetterQueue = deadLetters,
            RetryAttempts = 10,
            MaxEventAge = Duration.Hours(2),
        }));
        AddAlarm(id + "DeadLettersAlarm", deadLetters.MetricApproximateNumberOfMessagesVisible(),
            $"Events of the {id} rule that EventBridge could not deliver to the isolation function");
    }

    private Queue EncryptedQueue(string id)
    {
        var queue = DeadLetters.EncryptedQueue(this, id);
        _queues.Add(queue);
        return queue;
    }

    /// <summary>An alarm as soon as the metric is above zero, notifying the topic when there is one.</summary>
    private void AddAlarm(string id, IMetric metric, string description) => Notify(DeadLetters.Alarm(this, id, metric, description));

    /// <summary>The alarm notifies the topic when there is one.</summary>
    private void Notify(Alarm alarm)
    {
        if (_notifications is not null)
        {
            alarm.AddAlarmAction(new SnsAction(_notifications));
        }
    }

    private void Output(string id, string value, string description) =>
        _ = new CfnOutput(this, id, new CfnOutputProps { Value = value, Description = description });
}
