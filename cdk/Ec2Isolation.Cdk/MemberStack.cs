using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.IAM;
using Constructs;
using EventBusTarget = Amazon.CDK.AWS.Events.Targets.EventBus;

namespace Ec2Isolation.Cdk;

public sealed class MemberStackProps : StackProps
{
    public required DeploymentSettings Settings { get; init; }
}

/// <summary>
/// What each member account holds, in each region, for the central deployment of the security account: the deny-all
/// isolation role and profile, the execution role only the central function may assume (and only from within the
/// organization), with exactly the function's isolating permissions but the table, and a rule forwarding the account's
/// trigger-tag changes to the central bus. Made for a StackSet: no assets, no lookups, no bootstrap stack; the names
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

        var trustConditions = new Dictionary<string, object>
        {
            ["StringEquals"] = settings.MemberExternalId is { } externalId
                ? new Dictionary<string, object> { ["aws:PrincipalOrgID"] = settings.OrganizationId!, ["sts:ExternalId"] = externalId }
                : new Dictionary<string, object> { ["aws:PrincipalOrgID"] = settings.OrganizationId! },
            // The account's principal alone would let any of its roles with sts:AssumeRole in: only the function's role may.
            ["ArnEquals"] = new Dictionary<string, object>
            {
                ["aws:PrincipalArn"] = FormatArn(new ArnComponents
                {
                    Service = "iam",
                    Region = "",
                    Account = centralAccount,
                    Resource = "role",
                    ResourceName = Ec2IsolationStack.RolePath.TrimStart('/') + OrganizationNames.FunctionRole(Amazon.CDK.Aws.REGION),
                }),
            },
        };
        _ = new Role(this, "ExecutionRole", new RoleProps
        {
            Description = "Assumed by the central isolation function to isolate this account's instances",
            RoleName = OrganizationNames.MemberRole(Amazon.CDK.Aws.REGION),
            Path = Ec2IsolationStack.RolePath,
            AssumedBy = new AccountPrincipal(centralAccount).WithConditions(trustConditions),
            MaxSessionDuration = Duration.Hours(1),
            InlinePolicies = new Dictionary<string, PolicyDocument>
            {
                ["isolate"] = FunctionPolicy.Create(new(this, TableArn: null, isolationRole.RoleArn, settings.TagKey, settings.RevocableRoles, SecretParameters: [], SecretsKeyArn: null)),
            },
        });

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
        }).AddTarget(new EventBusTarget(centralBus));
    }
}
