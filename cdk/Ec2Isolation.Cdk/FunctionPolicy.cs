using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Ec2Isolation.Aws;
using Ec2Isolation.Core.Isolation.Steps;

namespace Ec2Isolation.Cdk;

/// <summary>
/// The function's own permissions at least privilege, built from <see cref="RequiredActions.Isolate"/> (the actions the
/// engine calls): each action is granted in the statement that scopes it, and an action no statement scopes fails the
/// synth, so that a new call gets a deliberate scope rather than "*". The function never releases: nothing of
/// <see cref="RequiredActions.ReleaseAndStatus"/> is granted. <see cref="RequiredActions.Notifications"/> is granted
/// only when a notifier is configured, on its secrets' parameters alone. A member account's execution role gets the same
/// policy without the table (<see cref="Targets.TableArn"/> null): the central deployment writes the records with its own credentials.
/// A member account's analyst role (<see cref="Targets.ForAnalysts"/>) adds releasing, replacing and the Inspector scan, scoped the same way.
/// </summary>
internal static partial class FunctionPolicy
{
    /// <param name="SecretParameters">The SSM parameters (names or ARNs) of the notifiers' secrets; empty without notifiers.</param>
    /// <param name="SecretsKeyArn">The customer managed key that encrypts them, if any.</param>
    /// <param name="ForAnalysts">The analyst's CLI: <see cref="RequiredActions.ReleaseAndStatus"/>, <see cref="RequiredActions.Replace"/> and <see cref="RequiredActions.Scan"/> too.</param>
    public sealed record Targets(
        Stack Stack, string? TableArn, string IsolationRoleArn, string TagKey, string RevocableRoles, IReadOnlyList<string> SecretParameters, string? SecretsKeyArn,
        bool ForAnalysts = false);

    public static PolicyDocument Create(Targets targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var scopes = Scopes(targets);
        IReadOnlyList<string> granted = [.. Required(targets), .. targets.SecretParameters.Count > 0 ? RequiredActions.Notifications : []];
        var unscoped = granted.Where(action => !scopes.Any(scope => scope.Claims(action))).ToList();
        if (unscoped.Count > 0)
        {
            throw new InvalidOperationException(
                $"RequiredActions lists {string.Join(", ", unscoped)}, which FunctionPolicy does not scope: add it to a statement.");
        }

        var statements = scopes
            .Select(scope => (scope, actions: granted.Where(scope.Claims).ToArray()))
            .Where(s => s.actions.Length > 0)
            .Select(s => new PolicyStatement(new PolicyStatementProps
            {
                Sid = s.scope.Sid,
                Actions = s.actions,
                Resources = s.scope.Resources,
                Conditions = s.scope.Conditions,
            }))
            .Concat(targets.SecretsKeyArn is { } key
                ?
                [
                    // SSM decrypts the parameters with the customer managed key on the function's behalf: not a call the
                    // function makes (no RequiredActions entry), and allowed through SSM only.
                    new PolicyStatement(new PolicyStatementProps
                    {
                        Sid = "DecryptNotifierSecrets",
                        Actions = ["kms:Decrypt"],
                        Resources = [key],
                        Conditions = new Dictionary<string, object>
                        {
                            ["StringEquals"] = new Dictionary<string, object> { ["kms:ViaService"] = $"ssm.{targets.Stack.Region}.amazonaws.com" },
                        },
                    }),
                ]
                : Array.Empty<PolicyStatement>())
            .Append(new PolicyStatement(new PolicyStatementProps
            {
                // Whatever role pattern is allowed, no boundary is ever put on, or taken off, a role of the stacks (the
                // function's own, the isolation role, the member and tag-forwarding roles), nor an inline policy deleted.
                Sid = "DenyWritingOntoStackRoles",
                Effect = Effect.DENY,
                Actions = ["iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy"],
                Resources = [Arn(targets.Stack, "iam", "role", Ec2IsolationStack.RolePath.TrimStart('/') + "*", region: "")],
            }));
        return new PolicyDocument(new PolicyDocumentProps { Statements = [.. statements] });
    }

    private sealed record Scope(string Sid, Func<string, bool> Claims, string[] Resources, Dictionary<string, object>? Conditions = null);

    /// <summary>Isolating's actions (and the analyst's, for analysts), but the table's where there is no table.</summary>
    private static IEnumerable<string> Required(Targets targets) =>
        (targets.ForAnalysts
            ? RequiredActions.Isolate.Concat(RequiredActions.ReleaseAndStatus).Concat(RequiredActions.Replace).Concat(RequiredActions.Scan).Distinct()
            : RequiredActions.Isolate)
            .Where(action => targets.TableArn is not null || !IsTable(action));

    private static bool IsTable(string action) => action.StartsWith("dynamodb:", StringComparison.Ordinal);

    private static Scope[] Scopes(Targets t)
    {
        var stack = t.Stack;
        return
        [
            .. t.TableArn is { } table ? new Scope[] { new("RecordTable", IsTable, [table]) } : [],

            // Describe* of EC2, Auto Scaling and Elastic Load Balancing (v2 and Classic) support no resource-level permissions: "*" is their only resource.
            new("Describe", IsDescribe, ["*"]),

            new("PassIsolationRoleToEc2", a => a == "iam:PassRole", [t.IsolationRoleArn],
                new() { ["StringEquals"] = new Dictionary<string, object> { ["iam:PassedToService"] = "ec2.amazonaws.com" } }),
            new("ReadInstanceProfiles", a => a == "iam:GetInstanceProfile", [Arn(stack, "iam", "instance-profile", "*", region: "")]),
            new("ReadRevocableRoles", a => a == "iam:GetRole", [Arn(stack, "iam", "role", t.RevocableRoles, region: "")]),

            // The revocation grants nothing: the function writes only managed policies of its own path and name prefix
            // (any content: a policy attached as a permissions boundary can only restrict), and may attach no other
            // policy, to no other role, and as a boundary only (iam:PermissionsBoundary, Service Authorization Reference,
            // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html).
            new("WriteRevocationBoundaries", IsBoundaryPolicyAction, [BoundaryPolicies(stack)]),
            new("AttachRevocationBoundary", a => a == "iam:PutRolePermissionsBoundary", [Arn(stack, "iam", "role", t.RevocableRoles, region: "")],
                new() { ["StringLike"] = new Dictionary<string, object> { ["iam:PermissionsBoundary"] = BoundaryPolicies(stack) } }),
            new("DetachRevocationBoundary", a => a == "iam:DeleteRolePermissionsBoundary", [Arn(stack, "iam", "role", t.RevocableRoles, region: "")],
                new() { ["StringLike"] = new Dictionary<string, object> { ["iam:PermissionsBoundary"] = BoundaryPolicies(stack) } }),

            // Releasing a record written before revocation boundaries deletes its inline policy. IAM cannot scope
            // DeleteRolePolicy by policy name; analysts only (the function never releases), on the revocable roles.
            new("RestoreInlineRevocations", a => a == "iam:DeleteRolePolicy", [Arn(stack, "iam", "role", t.RevocableRoles, region: "")]),

            // Release re-associates the original instance profile, and a replacement launches with it: its role is one of
            // the roles isolation revokes, so the same pattern bounds what an analyst may pass.
            .. t.ForAnalysts
                ? new Scope[]
                {
                    new("PassRestoredRolesToEc2", a => a == "iam:PassRole", [Arn(stack, "iam", "role", t.RevocableRoles, region: "")],
                        new() { ["StringEquals"] = new Dictionary<string, object> { ["iam:PassedToService"] = "ec2.amazonaws.com" } }),
                    new("TagOnLaunch", a => a == "ec2:CreateTags", [Arn(stack, "ec2", "instance", "*")],
                        new() { ["StringEquals"] = new Dictionary<string, object> { ["ec2:CreateAction"] = "RunInstances" } }),
                }
                : [],

            // Tags on instances: the trigger tag (GuardDuty findings) and the tool's own status tags, no other key.
            new("TagInstances", a => a is "ec2:CreateTags" or "ec2:DeleteTags", [Arn(stack, "ec2", "instance", "*")],
                new() { ["ForAllValues:StringLike"] = new Dictionary<string, object> { ["aws:TagKeys"] = new[] { t.TagKey, t.TagKey + ":*" } } }),
            // Tags given at creation (TagSpecifications) of the quarantine groups and the snapshots.
            new("TagOnCreate", a => a == "ec2:CreateTags", [Arn(stack, "ec2", "security-group", "*"), Snapshots(stack)],
                new() { ["StringEquals"] = new Dictionary<string, object> { ["ec2:CreateAction"] = new[] { "CreateSecurityGroup", "CreateSnapshots" } } }),

            // Rules change only on the tool's own groups, tagged at creation with their role (QuarantineGroups).
            new("EditIsolationGroups", IsGroupRuleChange, [Arn(stack, "ec2", "security-group", "*")],
                new() { ["StringEquals"] = new Dictionary<string, object> { [$"aws:ResourceTag/{t.TagKey}:role"] = new[] { "quarantine", "all-traffic" } } }),
            // Only the attributes the protection and volumes steps set. IfExists: where IAM does not supply ec2:Attribute
            // for a request (the typed attributes), the call stays allowed, so that no protection step is ever refused.
            new("ProtectInstances", a => a == "ec2:ModifyInstanceAttribute", [Arn(stack, "ec2", "instance", "*")],
                new()
                {
                    ["StringEqualsIfExists"] = new Dictionary<string, object>
                    {
                        ["ec2:Attribute"] = new[] { "disableApiTermination", "disableApiStop", "instanceInitiatedShutdownBehavior", "blockDeviceMapping" },
                    },
                }),

            // The other EC2 changes touch instances, network interfaces, volumes, security groups and the VPC of this
            // region and account, and snapshots (whose ARNs have no account).
            new("ContainInstances", a => a.StartsWith("ec2:", StringComparison.Ordinal) && !IsDescribe(a) && !IsGroupRuleChange(a) && !IsNetworkAclEntry(a)
                    && a is not ("ec2:CreateTags" or "ec2:DeleteTags" or "ec2:RunInstances" or "ec2:ModifyInstanceAttribute")
                    && !IsAfterContainment(a),
                [Arn(stack, "ec2", "*", null), Snapshots(stack)]),

            // The deny entries of always-tracked paths: network ACLs of this account and region, nothing else. IAM offers no
            // condition on an entry's CIDR, number or action (the Service Authorization Reference lists only ec2:NetworkAclID,
            // ec2:Vpc and tags for these actions: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html),
            // and the VPCs are not known at deployment: the engine itself writes only one-address denies and removes only its own.
            new("CutTrackedPaths", IsNetworkAclEntry, [Arn(stack, "ec2", "network-acl", "*")]),

            // A replacement: everything of this account and region it uses, and the image (whose ARN has no account).
            new("LaunchReplacements", a => a == "ec2:RunInstances", [Arn(stack, "ec2", "*", null), Arn(stack, "ec2", "image", "*", account: "")]),
            new("AutoScalingStandby", a => a.StartsWith("autoscaling:", StringComparison.Ordinal) && !IsDescribe(a),
                [stack.FormatArn(new ArnComponents
                {
                    Service = "autoscaling",
                    Resource = "autoScalingGroup",
                    ResourceName = "*:autoScalingGroupName/*",
                    ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
                })]),
            new("TargetGroupMembership", a => a is "elasticloadbalancing:DeregisterTargets" or "elasticloadbalancing:RegisterTargets",
                [Arn(stack, "elasticloadbalancing", "targetgroup", "*/*")]),
            // Classic Load Balancers: arn:PARTITION:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/NAME (Service Authorization
            // Reference, https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancing.html);
            // their DescribeLoadBalancers supports no resource-level permissions and is in Describe.
            new("ClassicLoadBalancerMembership", IsClassicMembership, [Arn(stack, "elasticloadbalancing", "loadbalancer", "*")]),

            .. AfterContainmentScopes(t),
            // Inspector's account status, coverage and findings (the scan of a replacement, analysts only): these read
            // actions support no resource-level permissions, "*" is their only resource
            // (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoninspector2.html).
            new("ReadInspectorFindings", a => a.StartsWith("inspector2:", StringComparison.Ordinal), ["*"]),

            // The notifiers' secrets: exactly the configured parameters, nothing under or beside them.
            new("ReadNotifierSecrets", a => a.StartsWith("ssm:", StringComparison.Ordinal), [.. t.SecretParameters.Select(p => ParameterArn(stack, p))]),
        ];
    }

    /// <summary>A parameter's ARN: given as one, or its name (with or without the leading slash) in the stack's account and region.</summary>
    private static string ParameterArn(Stack stack, string parameter) =>
        parameter.StartsWith("arn:", StringComparison.Ordinal) ? parameter : Arn(stack, "ssm", "parameter", parameter.TrimStart('/'));

    private static bool IsClassicMembership(string action) =>
        action is "elasticloadbalancing:DeregisterInstancesFromLoadBalancer" or "elasticloadbalancing:RegisterInstancesWithLoadBalancer";

    private static bool IsNetworkAclEntry(string action) => action is "ec2:CreateNetworkAclEntry" or "ec2:DeleteNetworkAclEntry";

    private static bool IsDescribe(string action) => action.Split(':')[1].StartsWith("Describe", StringComparison.Ordinal);

    private static bool IsGroupRuleChange(string action) =>
        action.StartsWith("ec2:AuthorizeSecurityGroup", StringComparison.Ordinal) || action.StartsWith("ec2:RevokeSecurityGroup", StringComparison.Ordinal);

    private static bool IsBoundaryPolicyAction(string action) =>
        action is "iam:CreatePolicy" or "iam:CreatePolicyVersion" or "iam:DeletePolicyVersion" or "iam:ListPolicyVersions" or "iam:GetPolicy" or "iam:GetPolicyVersion";

    /// <summary>The tool's revocation boundaries: <c>arn:PARTITION:iam::ACCOUNT:policy/ec2-isolation/ec2-isolation-revoke-*</c>.</summary>
    private static string BoundaryPolicies(Stack stack) =>
        Arn(stack, "iam", "policy", RevocationBoundary.PolicyPath.TrimStart('/') + RevocationBoundary.PolicyPrefix + "*", region: "");

    private static string Snapshots(Stack stack) => Arn(stack, "ec2", "snapshot", "*", account: "");

    /// <summary>An ARN in the stack's partition, account and region unless given ("" leaves the field empty).</summary>
    private static string Arn(Stack stack, string service, string resource, string? resourceName, string? account = null, string? region = null) =>
        stack.FormatArn(new ArnComponents
        {
            Service = service,
            Resource = resource,
            ResourceName = resourceName,
            Account = account,
            Region = region,
        });
}
