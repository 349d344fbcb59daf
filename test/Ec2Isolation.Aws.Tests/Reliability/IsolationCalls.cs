using System.Net;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Reliability;

/// <summary>
/// One kind of request an isolation makes: a (service, action) and, where one action serves two steps
/// (ModifyInstanceAttribute: protection, then volumes), what tells them apart.
/// </summary>
/// <param name="Name">How test output names it: the IAM action, with the step when the action alone is ambiguous.</param>
/// <param name="Step">The step that makes it; null for the reads and record writes every run makes.</param>
public sealed record IsolationCall(string Name, string IamAction, string? Step, Func<RecordedRequest, bool>? Where = null)
{
    public bool Matches(RecordedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.IamAction == IamAction && (Where?.Invoke(request) ?? true);
    }

    public override string ToString() => Name;
}

/// <summary>
/// The calls of the widest isolation (<see cref="WidestInstance"/>, run by the engine over the real adapters), as a
/// clean run through the <see cref="FaultProxy"/> shows them: the fault points the reliability tests try.
/// <see cref="TransientFaultTests.Isolate_CleanRun_MakesExactlyTheCallsTheFaultTestsTry"/> keeps this list and the
/// engine in step.
/// </summary>
public static class IsolationCalls
{
    /// <summary>Every distinct (service, action) of the widest isolation, roughly in order of first appearance.</summary>
    public static IReadOnlyList<string> Distinct { get; } =
    [
        "sts:GetCallerIdentity",
        "ec2:DescribeInstances",
        "ec2:DescribeSecurityGroups",
        "dynamodb:PutItem",
        "ec2:CreateSecurityGroup",
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:ModifyNetworkInterfaceAttribute",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeInstanceAttribute",
        "ec2:DescribeIamInstanceProfileAssociations",
        "autoscaling:DescribeAutoScalingInstances",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetHealth",
        "elasticloadbalancing:DescribeLoadBalancers",
        "ec2:DescribeRouteTables",
        "ec2:DescribeNatGateways",
        "ec2:DescribeTransitGatewayVpcAttachments",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeNetworkAcls",
        "ec2:ReplaceIamInstanceProfileAssociation",
        "iam:GetInstanceProfile",
        "iam:GetRole",
        "dynamodb:GetItem",
        "iam:CreatePolicy",
        "iam:PutRolePermissionsBoundary",
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "autoscaling:EnterStandby",
        "elasticloadbalancing:DeregisterTargets",
        "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
        "ec2:ModifyInstanceAttribute",
        "ec2:DescribeSnapshots",
        "ec2:CreateSnapshots",
        "ec2:CreateTags",
    ];

    /// <summary>The steps in the order the engine applies them (the key pair and the stop complete without a call: off by default).</summary>
    public static IReadOnlyList<string> Steps { get; } =
    [
        StepNames.Network, StepNames.NetworkAclCut, StepNames.MetadataAndTracking, StepNames.InstanceProfile, StepNames.CredentialRevocation,
        StepNames.KeyPair, StepNames.AutoScalingStandby, StepNames.TargetDeregistration, StepNames.ClassicLoadBalancers, StepNames.Protection, StepNames.Volumes, StepNames.Snapshots,
        StepNames.StatusTags, StepNames.StopAfterSnapshots,
    ];

    /// <summary>Every call that changes the account (the record's writes aside), by the step that makes it.</summary>
    public static IReadOnlyList<IsolationCall> Mutations { get; } =
    [
        new("ec2:CreateSecurityGroup", "ec2:CreateSecurityGroup", StepNames.Network),
        new("ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupIngress", StepNames.Network),
        new("ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress", StepNames.Network),
        new("ec2:ModifyNetworkInterfaceAttribute", "ec2:ModifyNetworkInterfaceAttribute", StepNames.Network),
        new("ec2:ReplaceIamInstanceProfileAssociation", "ec2:ReplaceIamInstanceProfileAssociation", StepNames.InstanceProfile),
        new("iam:CreatePolicy", "iam:CreatePolicy", StepNames.CredentialRevocation),
        new("iam:PutRolePermissionsBoundary", "iam:PutRolePermissionsBoundary", StepNames.CredentialRevocation),
        new("autoscaling:EnterStandby", "autoscaling:EnterStandby", StepNames.AutoScalingStandby),
        new("elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:DeregisterTargets", StepNames.TargetDeregistration),
        new("elasticloadbalancing:DeregisterInstancesFromLoadBalancer", "elasticloadbalancing:DeregisterInstancesFromLoadBalancer", StepNames.ClassicLoadBalancers),
        new("ec2:ModifyInstanceAttribute (protection)", "ec2:ModifyInstanceAttribute", StepNames.Protection, request => !IsVolumeChange(request)),
        new("ec2:ModifyInstanceAttribute (volumes)", "ec2:ModifyInstanceAttribute", StepNames.Volumes, IsVolumeChange),
        new("ec2:CreateSnapshots", "ec2:CreateSnapshots", StepNames.Snapshots),
        new("ec2:CreateTags", "ec2:CreateTags", StepNames.StatusTags),
    ];

    /// <summary>
    /// The first request only step k makes, for each step in order: where a run is "between step k-1 and step k". Its
    /// first mutating call, but for credential revocation (GetInstanceProfile, before it records the boundaries it is
    /// about to write), snapshots (DescribeSnapshots, which looks for the snapshots of an earlier run first) and the network
    /// ACL cut (the attachments' reads it starts with: the widest instance has no NAT gateway, so the step makes no change).
    /// The metadata and tracking step, off by default, makes no request here and has no opening.
    /// </summary>
    public static IReadOnlyList<IsolationCall> StepOpenings { get; } =
    [
        Mutations[0],
        new("ec2:DescribeInstanceAttribute", "ec2:DescribeInstanceAttribute", StepNames.NetworkAclCut),
        Mutations[4],
        new("iam:GetInstanceProfile", "iam:GetInstanceProfile", StepNames.CredentialRevocation),
        Mutations[7],
        Mutations[8],
        Mutations[9],
        Mutations[10],
        Mutations[11],
        new("ec2:DescribeSnapshots", "ec2:DescribeSnapshots", StepNames.Snapshots),
        Mutations[13],
    ];

    public static IsolationCall Mutation(string name) => Mutations.Single(call => call.Name == name);

    /// <summary>Steps before <paramref name="step"/>, in order: what a run that stopped at it has completed.</summary>
    public static IReadOnlyList<string> StepsBefore(string step) => [.. Steps.TakeWhile(s => s != step)];

    private static bool IsVolumeChange(RecordedRequest request) => request.Parameters.ContainsKey("BlockDeviceMapping.1.DeviceName");
}

/// <summary>The errors the proxy answers with, per service as AWS words them.</summary>
public static class AwsErrors
{
    /// <summary>
    /// "Slow down": EC2's 503 RequestLimitExceeded; DynamoDB's (JSON protocol) 400 ThrottlingException; the Query
    /// services' (IAM, Auto Scaling, ELBv2, STS) 400 Throttling.
    /// </summary>
    public static Fault.Answer Throttling(string service) => service switch
    {
        "ec2" => Fault.Throttling,
        "dynamodb" => new(HttpStatusCode.BadRequest, "ThrottlingException"),
        _ => new(HttpStatusCode.BadRequest, "Throttling"),
    };

    /// <summary>A refusal no retry can change: EC2's 403 UnauthorizedOperation, the Query services' 403 AccessDenied, DynamoDB's 400 AccessDeniedException.</summary>
    public static Fault.Answer AccessDenied(string service) => service switch
    {
        "ec2" => new(HttpStatusCode.Forbidden, "UnauthorizedOperation"),
        "dynamodb" => new(HttpStatusCode.BadRequest, "AccessDeniedException"),
        _ => new(HttpStatusCode.Forbidden, "AccessDenied"),
    };
}

/// <summary>Rules for <see cref="FaultProxy.Rule"/>.</summary>
public static class FaultRules
{
    /// <summary>Answers the first request that <paramref name="matches"/> with <paramref name="fault"/>; forwards everything else.</summary>
    public static Func<RecordedRequest, Fault?> OnFirst(Func<RecordedRequest, bool> matches, Fault fault)
    {
        var injected = 0;
        return request => matches(request) && Interlocked.Exchange(ref injected, 1) == 0 ? fault : null;
    }

    /// <summary>Answers every request that <paramref name="matches"/> with <paramref name="fault"/>.</summary>
    public static Func<RecordedRequest, Fault?> Always(Func<RecordedRequest, bool> matches, Fault fault) =>
        request => matches(request) ? fault : null;

    /// <summary>Same service, action and form parameters: the same call (an SDK retry resends the same body).</summary>
    public static bool SameCall(RecordedRequest first, RecordedRequest second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        return first.IamAction == second.IamAction
            && first.Parameters.Count == second.Parameters.Count
            && first.Parameters.All(parameter => second.Parameters.TryGetValue(parameter.Key, out var value) && value == parameter.Value);
    }
}
