using Ec2Isolation.Core.Model;

namespace Ec2Isolation.TestSupport;

/// <summary>Isolation records with every part filled in, for tests of what stores and prints them.</summary>
public static class SampleRecords
{
    public const string ProfileArn = "arn:aws:iam::123456789012:instance-profile/app";
    public const string TargetGroupArn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/abc";

    public static readonly DateTimeOffset Started = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A fully isolated instance with two ENIs, a profile, snapshots, an ASG and a target group.</summary>
    public static IsolationRecord Record(
        string instanceId = "i-0123456789abcdef0", IsolationStatus status = IsolationStatus.Isolated, string accountId = "123456789012") => new()
    {
        InstanceId = instanceId,
        InstanceArn = $"arn:aws:ec2:eu-west-1:{accountId}:instance/{instanceId}",
        AccountId = accountId,
        Region = "eu-west-1",
        VpcId = "vpc-1",
        IncidentId = "INC-1",
        Reason = "GuardDuty finding",
        RequestedBy = "arn:aws:iam::123456789012:user/analyst",
        StartedAt = Started,
        Status = status,
        IsolatedAt = Started.AddMinutes(1),
        UpdatedAt = Started.AddMinutes(1),
        CompletedSteps = ["network", "credentials"],
        Original = new OriginalConfiguration
        {
            NetworkInterfaces = [new("eni-0aaa", ["sg-web", "sg-ssh"]), new("eni-0bbb", ["sg-db"])],
            Volumes = [new VolumeAttachment("vol-1", "/dev/xvda", true)],
            Attachments = new OriginalAttachments
            {
                InstanceProfile = new ProfileAssociation("iip-assoc-original", ProfileArn),
                Protection = new InstanceProtection(false, false, "stop"),
                AutoScaling = new AutoScalingMembership("web-asg", "InService"),
                TargetRegistrations = [new TargetRegistration(TargetGroupArn, 80, null)],
            },
        },
        Artifacts = new IsolationArtifacts
        {
            QuarantineGroupId = "sg-quarantine",
            IsolationProfileAssociationId = "iip-assoc-isolation",
            SnapshotIds = ["snap-1", "snap-2"],
        },
    };
}
