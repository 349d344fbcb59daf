namespace Ec2Isolation.Aws;

/// <summary>
/// The IAM actions the adapters call: the one list the function's policy (CDK stack), the analyst's policy (README) and
/// the tests that compare them with the calls actually made are built from, so that neither drifts.
/// </summary>
public static class RequiredActions
{
    /// <summary>
    /// What isolating (the function, and the CLI's isolate and stop) calls. The function never releases. The key pair and
    /// stop steps are off by default; their actions are granted, scoped, so that turning them on needs no new policy.
    /// </summary>
    public static IReadOnlyList<string> Isolate { get; } =
    [
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceAttribute",
        "ec2:DescribeIamInstanceProfileAssociations",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeTrunkInterfaceAssociations",
        "ec2:DescribeSnapshots",
        "ec2:DescribeRouteTables",
        "ec2:DescribeNatGateways",
        "ec2:DescribeTransitGatewayVpcAttachments",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeNetworkAcls",
        "ec2:CreateNetworkAclEntry",
        "ec2:CreateSecurityGroup",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:ModifyNetworkInterfaceAttribute",
        "ec2:ReplaceIamInstanceProfileAssociation",
        "ec2:AssociateIamInstanceProfile",
        "ec2:DisassociateIamInstanceProfile",
        "ec2:ModifyInstanceAttribute",
        "ec2:ModifyInstanceMetadataOptions",
        "ec2:CreateSnapshots",
        "ec2:CreateTags",
        "iam:GetInstanceProfile",
        "iam:GetRole",
        "iam:CreatePolicy",
        "iam:ListPolicyVersions",
        "iam:CreatePolicyVersion",
        "iam:DeletePolicyVersion",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "iam:PutRolePermissionsBoundary",
        "iam:PassRole",
        "autoscaling:DescribeAutoScalingInstances",
        "autoscaling:EnterStandby",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth",
        "elasticloadbalancing:DeregisterTargets",
        "elasticloadbalancing:DescribeLoadBalancers",
        "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "ec2:DescribeKeyPairs",
        "ec2:DeleteKeyPair",
        "ec2:StopInstances",
    ];

    /// <summary>
    /// What releasing adds (the analyst's CLI only), and what status of every record adds. iam:DeleteRolePolicy only
    /// releases records written before revocation boundaries (one inline policy per instance).
    /// </summary>
    public static IReadOnlyList<string> ReleaseAndStatus { get; } =
    [
        "ec2:DeleteTags",
        "ec2:DeleteNetworkAclEntry",
        "iam:DeleteRolePermissionsBoundary",
        "iam:DeleteRolePolicy",
        "autoscaling:ExitStandby",
        "elasticloadbalancing:RegisterTargets",
        "elasticloadbalancing:RegisterInstancesWithLoadBalancer",
        "dynamodb:Scan",
        "ec2:ImportKeyPair",
        "ec2:StartInstances",
    ];

    /// <summary>
    /// What replacing calls (the analyst's CLI only; the function never replaces). EC2 checks two of them itself during
    /// RunInstances: ec2:CreateTags for the tags on creation (grant it with the condition
    /// <c>ec2:CreateAction = RunInstances</c>), and iam:PassRole for the role of the original instance profile.
    /// </summary>
    public static IReadOnlyList<string> Replace { get; } =
    [
        "ec2:DescribeInstances",
        "ec2:DescribeLaunchTemplateVersions",
        "ec2:RunInstances",
        "ec2:CreateTags",
        "iam:PassRole",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "ec2:DescribeSnapshots",
        "ec2:DescribeImages",
        "ec2:RegisterImage",
    ];

    /// <summary>
    /// What the Amazon Inspector scan of a replacement adds (the analyst's CLI: <c>replace</c> and <c>scan</c>), beside
    /// GetItem and PutItem of its record. None of the three supports resource-level permissions, so "*" is their only
    /// resource (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoninspector2.html).
    /// </summary>
    public static IReadOnlyList<string> Scan { get; } =
    [
        "inspector2:BatchGetAccountStatus",
        "inspector2:ListCoverage",
        "inspector2:ListFindings",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
    ];

    /// <summary>
    /// What the notifiers add when Slack or Jira is configured: reading their SecureString parameters (grant it on the
    /// parameters EC2ISOLATION_SLACK_WEBHOOK_PARAMETER and EC2ISOLATION_JIRA_TOKEN_PARAMETER name, nothing wider), and
    /// kms:Decrypt on the key that encrypts them when it is a customer managed key (the AWS managed aws/ssm key needs no
    /// grant). The ticket tag uses ec2:CreateTags, which isolating has already.
    /// </summary>
    public static IReadOnlyList<string> Notifications { get; } =
    [
        "ssm:GetParameter",
    ];

    /// <summary>
    /// What the function adds to hand throttled EC2 evidence steps to its continuation queue: sending, granted on that
    /// queue alone (the SQS event source's own permissions read and delete). The CLI never defers.
    /// </summary>
    public static IReadOnlyList<string> Continuations { get; } =
    [
        "sqs:SendMessage",
    ];

    /// <summary>
    /// What the function adds to put its continuations' results on the result bus (an SQS event source's invocations
    /// have no destination): putting, granted on that bus alone.
    /// </summary>
    public static IReadOnlyList<string> ContinuationResults { get; } =
    [
        "events:PutEvents",
    ];

    /// <summary>
    /// What the function adds with Slack approvals: invoking itself asynchronously to hand a decision made through its
    /// URL on (Slack wants the answer within 3 seconds), granted on the function's own ARN alone. The CLI never hands off.
    /// </summary>
    public static IReadOnlyList<string> ApprovalHandOff { get; } =
    [
        "lambda:InvokeFunction",
    ];
}
