namespace Ec2Isolation.Aws;

/// <summary>
/// The IAM actions the adapters call: the one list the function's policy (CDK stack), the analyst's policy (README) and
/// the tests that compare them with the calls actually made are built from, so that neither drifts.
/// </summary>
public static class RequiredActions
{
    /// <summary>What isolating (the function, and the CLI's isolate) calls. The function never releases.</summary>
    public static IReadOnlyList<string> Isolate { get; } =
    [
        "ec2:DescribeInstances",
        "ec2:DescribeInstanceAttribute",
        "ec2:DescribeIamInstanceProfileAssociations",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSnapshots",
        "ec2:CreateSecurityGroup",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:ModifyNetworkInterfaceAttribute",
        "ec2:ReplaceIamInstanceProfileAssociation",
        "ec2:AssociateIamInstanceProfile",
        "ec2:ModifyInstanceAttribute",
        "ec2:CreateSnapshots",
        "ec2:CreateTags",
        "iam:GetInstanceProfile",
        "iam:PutRolePolicy",
        "iam:PassRole",
        "autoscaling:DescribeAutoScalingInstances",
        "autoscaling:EnterStandby",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth",
        "elasticloadbalancing:DeregisterTargets",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
    ];

    /// <summary>What releasing adds (the analyst's CLI only), and what status of every record adds.</summary>
    public static IReadOnlyList<string> ReleaseAndStatus { get; } =
    [
        "ec2:DisassociateIamInstanceProfile",
        "ec2:DeleteTags",
        "iam:DeleteRolePolicy",
        "autoscaling:ExitStandby",
        "elasticloadbalancing:RegisterTargets",
        "dynamodb:Scan",
    ];
}
