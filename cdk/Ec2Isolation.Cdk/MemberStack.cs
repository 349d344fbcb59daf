using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Constructs;
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
/// and a rule forwarding the account's trigger-tag changes to the central bus. Made for a StackSet: no assets, no lookups, no bootstrap stack; the names
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
        var (isolationRole, _) = Ec2IsolationStack.AddIsolationProfile(this, OrganizationNames.IsolationProfile(Amazon.CDK.Aws.REGION));

        var functionRole = FormatArn(new ArnComponents
        {
            Service = "iam",
            Region = "",
            Account = centralAccount,
            Resource = "role",
            ResourceName = OrganizationNames.WithPath(OrganizationNames.FunctionRole(Amazon.CDK.Aws.REGION)),
        });
        _ = new Role(this, "ExecutionRole", new RoleProps
        {
            Description = "Assumed by the central isolation function to isolate this account's instances",
            RoleName = OrganizationNames.MemberRole(Amazon.CDK.Aws.REGION),
            Path = Ec2IsolationStack.RolePath,
            AssumedBy = TrustedOnly(settings, [functionRole]),
            MaxSessionDuration = Duration.Hours(1),
            InlinePolicies = new Dictionary<string, PolicyDocument>
            {
                ["isolate"] = FunctionPolicy.Create(new(this, TableArn: null, isolationRole.RoleArn, settings.TagKey, settings.RevocableRoles, SecretParameters: [], SecretsKeyArn: null)),
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
                        this, TableArn: null, isolationRole.RoleArn, settings.TagKey, settings.RevocableRoles, SecretParameters: [], SecretsKeyArn: null, ForAnalysts: true)),
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
        new Rule(this, "ForwardTagChange", new RuleProps
        {
            Description = "Forwards the trigger tag on this account's instances to the central isolation bus",
            EventPattern = Ec2IsolationStack.TagChangePattern(settings),
        }).AddTarget(new EventBusTarget(centralBus, new EventBusProps
        {
            // Under the stacks' path like every role they create, so that the function's deny covers it too.
            Role = new Role(this, "ForwardTagChangeRole", new RoleProps
            {
                AssumedBy = new ServicePrincipal("events.amazonaws.com"),
                Path = Ec2IsolationStack.RolePath,
            }),
        }));
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
