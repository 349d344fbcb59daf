using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Constructs;
using Amazon.CDK.AWS.CloudWatch.Actions;
using EventBusProps = Amazon.CDK.AWS.Events.Targets.EventBusProps;
using EventBusTarget = Amazon.CDK.AWS.Events.Targets.EventBus;

namespace Ec2Isolation.Cdk;

public sealed class MemberStackProps : StackProps
{
    public required DeploymentSettings Settings { get; init; }
}

/// <summary>
/// What each member account holds, in each region, for the central deployment of the security account: the deny-all
/// isolation role and profile, the execution role only the central function may assume (and only from within the
/// organization), with exactly the function's isolating permissions but the table, optionally an analyst role for the
/// CLI's --account (the analysts' roles of the security account alone may assume it; isolate, release, status, replace),
/// and rules forwarding the account's trigger-tag changes and its CloudTrail records of calls that could undo an
/// isolation to the central bus, each with a dead-letter queue and an alarm on it (notifying `notificationTopicArn` when given). Made for a StackSet: no assets, no lookups, no bootstrap stack; the names
/// derive from the region, as the central stack's do (<see cref="OrganizationNames"/>).
/// </summary>
public sealed class MemberStack : Stack
{
    public MemberStack(Construct scope, string id, MemberStackProps props)
        : base(scope, id, props)
    {
        ArgumentNullException.ThrowIfNull(props);
        var settings = props.Settings;
        var centralAccount = settings.CentralAccount!;
        // The security account may be in the StackSet's target: there the central stack already holds the deny-all profile
        // of this name (a second one fails with EntityAlreadyExists) and its own rule sees the account's tag changes (a
        // forwarding rule would invoke the function twice), so those are made in the other accounts only. The execution
        // and analyst roles are made everywhere: in the security account they pass the central stack's isolation role.
        var inMemberAccount = new CfnCondition(this, "NotCentralAccount", new CfnConditionProps
        {
            Expression = Fn.ConditionNot(Fn.ConditionEquals(Amazon.CDK.Aws.ACCOUNT_ID, centralAccount)),
        });
        var (ownIsolationRole, isolationProfile) = Ec2IsolationStack.AddIsolationProfile(this, OrganizationNames.IsolationProfile(Amazon.CDK.Aws.REGION));
        OnlyWhere(inMemberAccount, ownIsolationRole, isolationProfile);
        var isolationRoleArn = Fn.ConditionIf(
            inMemberAccount.LogicalId,
            ownIsolationRole.RoleArn,
            FormatArn(new ArnComponents { Service = "iam", Region = "", Resource = "role", ResourceName = Ec2IsolationStack.RolePath.TrimStart('/') + "*" })).ToString();

        var functionRole = FormatArn(new ArnComponents
        {
            Service = "iam",
            Region = "",
            Account = centralAccount,
            Resource = "role",
            ResourceName = OrganizationNames.WithPath(OrganizationNames.FunctionRole(Amazon.CDK.Aws.REGION)),
        });
        var executionRole = new Role(this, "ExecutionRole", new RoleProps
        {
            Description = "Assumed by the central isolation function to isolate this account's instances",
            RoleName = OrganizationNames.MemberRole(Amazon.CDK.Aws.REGION),
            Path = Ec2IsolationStack.RolePath,
            AssumedBy = TrustedOnly(settings, [functionRole]),
            MaxSessionDuration = Duration.Hours(1),
            InlinePolicies = new Dictionary<string, PolicyDocument>
            {
                ["isolate"] = FunctionPolicy.Create(new(this, TableArn: null, isolationRoleArn, settings.TagKey, settings.RevocableRoles, SecretParameters: [], SecretsKeyArn: null)),
            },
        });

        if (settings.AnalystPrincipalArns.Count > 0)
        {
            _ = new Role(this, "AnalystRole", new RoleProps
            {
                Description = "Assumed by the security account's analysts for ec2-isolation --account: isolate, release, status, replace",
                RoleName = OrganizationNames.AnalystRole(Amazon.CDK.Aws.REGION),
                Path = Ec2IsolationStack.RolePath,
                AssumedBy = TrustedOnly(settings, settings.AnalystPrincipalArns),
                MaxSessionDuration = Duration.Hours(1),
                InlinePolicies = new Dictionary<string, PolicyDocument>
                {
                    ["analyst"] = FunctionPolicy.Create(new(
                        this, TableArn: null, isolationRoleArn, settings.TagKey, settings.RevocableRoles, SecretParameters: [], SecretsKeyArn: null, ForAnalysts: true)),
                },
            });
            _ = new CfnOutput(this, "AnalystRoleName", new CfnOutputProps
            {
                Description = "EC2ISOLATION_MEMBER_ROLE_NAME for the analysts' CLI (ec2-isolation --account)",
                Value = OrganizationNames.WithPath(OrganizationNames.AnalystRole(Amazon.CDK.Aws.REGION)),
            });
        }

        var centralBus = EventBus.FromEventBusArn(this, "CentralBus", FormatArn(new ArnComponents
        {
            Service = "events",
            Account = centralAccount,
            Resource = "event-bus",
            ResourceName = OrganizationNames.BusName,
        }));
        // Under the stacks' path like every role they create, so that the function's deny covers it too.
        var forwardRole = new Role(this, "ForwardTagChangeRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("events.amazonaws.com"),
            Path = Ec2IsolationStack.RolePath,
        });
        var topic = settings.NotificationTopicArns.Count > 0 ? NotificationTopics.For(this, settings) : null;
        Forward("ForwardTagChange", "Forwards the trigger tag on this account's instances to the central isolation bus",
            Ec2IsolationStack.TagChangePattern(settings), "Trigger-tag changes", centralBus, forwardRole, topic, inMemberAccount);
        // The execution role's calls are the central function's own: they are left out here, as the central account's
        // rule leaves out the function's role.
        Forward("ForwardTampering", "Forwards this account's EC2 calls that could undo an isolation, and who applied the trigger tag, to the central isolation bus",
            Ec2IsolationStack.TamperPattern(settings, executionRole.RoleArn), "CloudTrail records of EC2 calls on isolated instances", centralBus, forwardRole, topic,
            inMemberAccount);
        // After the rules: their targets add the role's policy.
        OnlyWhere(inMemberAccount, forwardRole);
    }

    /// <summary>
    /// A rule forwarding to the central bus, with a dead-letter queue and an alarm: a delivery that fails after
    /// EventBridge's retries lands in the queue, and the alarm fires (with allowedAccounts=* the central sweep does not
    /// cover members, so nothing else would notice it).
    /// </summary>
    private void Forward(
        string id, string description, EventPattern pattern, string what, IEventBus centralBus, IRole forwardRole, Amazon.CDK.AWS.SNS.ITopic? topic,
        CfnCondition inMemberAccount)
    {
        var deadLetters = DeadLetters.EncryptedQueue(this, id + "DeadLetters");
        var forward = new Rule(this, id, new RuleProps { Description = description, EventPattern = pattern });
        forward.AddTarget(new EventBusTarget(centralBus, new EventBusProps { Role = forwardRole, DeadLetterQueue = deadLetters }));
        var alarm = DeadLetters.Alarm(this, id + "DeadLettersAlarm", deadLetters.MetricApproximateNumberOfMessagesVisible(),
            $"{what} of this account that EventBridge could not forward to the central isolation bus");
        if (topic is not null)
        {
            alarm.AddAlarmAction(new SnsAction(topic));
        }

        OnlyWhere(inMemberAccount, forward, deadLetters, alarm);
    }

    /// <summary>Every CloudFormation resource of the constructs (their roles and policies too) only where the condition holds.</summary>
    private static void OnlyWhere(CfnCondition condition, params IConstruct[] constructs)
    {
        foreach (var resource in constructs.SelectMany(c => c.Node.FindAll()).OfType<CfnResource>())
        {
            resource.CfnOptions.Condition = condition;
        }
    }

    /// <summary>
    /// The security account's principal, only when the caller is exactly one of <paramref name="principalArns"/>: the
    /// account's principal alone would let any of its roles with sts:AssumeRole in. An ARN principal would make IAM
    /// reject the template wherever the role does not exist yet, and break when it is recreated. Only from within the
    /// organization, and with the external id when the stacks use one.
    /// </summary>
    private static PrincipalBase TrustedOnly(DeploymentSettings settings, IReadOnlyList<string> principalArns) =>
        new AccountPrincipal(settings.CentralAccount!).WithConditions(new Dictionary<string, object>
        {
            ["StringEquals"] = settings.MemberExternalId is { } externalId
                ? new Dictionary<string, object> { ["aws:PrincipalOrgID"] = settings.OrganizationId!, ["sts:ExternalId"] = externalId }
                : new Dictionary<string, object> { ["aws:PrincipalOrgID"] = settings.OrganizationId! },
            ["ArnEquals"] = new Dictionary<string, object> { ["aws:PrincipalArn"] = principalArns.Count == 1 ? principalArns[0] : principalArns.ToArray() },
        });
}
