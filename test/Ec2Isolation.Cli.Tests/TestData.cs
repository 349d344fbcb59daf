using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Cli.Tests;

internal static class TestData
{
    public const string InstanceId = "i-0123456789abcdef0";
    public const string OtherInstanceId = "i-0fedcba9876543210";
    public const string ProfileArn = SampleRecords.ProfileArn;
    public const string TargetGroupArn = SampleRecords.TargetGroupArn;

    public static readonly DateTimeOffset Started = SampleRecords.Started;

    public static IsolationRecord Record(string instanceId = InstanceId, IsolationStatus status = IsolationStatus.Isolated) =>
        SampleRecords.Record(instanceId, status);

    public static IsolationResult Isolated() => new(IsolationOutcome.Isolated, Record(), $"{InstanceId} is isolated.");

    public static IsolationPlan Plan(string action = "isolate") => new(
        InstanceId,
        action,
        [
            new PlannedCall("network", "ec2:ModifyNetworkInterfaceAttribute", "eni-0aaa", "groups sg-quarantine", PermissionCheck.Allowed),
            new PlannedCall("credentials", "iam:PutRolePolicy", "role/app", "deny tokens issued before now", PermissionCheck.NotCheckable),
        ],
        $"Would {action} {InstanceId} in 2 calls.");
}
