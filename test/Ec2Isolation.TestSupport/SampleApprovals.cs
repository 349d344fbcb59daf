using Ec2Isolation.Core.Approvals;

namespace Ec2Isolation.TestSupport;

/// <summary>Approval requests as a GuardDuty tier that asks writes them (30 minutes, then contain).</summary>
public static class SampleApprovals
{
    public const string RequestId = "0123456789abcdef0123456789abcdef";
    public const string FindingId = "7ac3a7bd5ed6ec35a4bbd3d9a7a2a0b1";

    /// <summary>A pending request for <paramref name="instanceId"/>, asked 30 minutes before <paramref name="expiresAt"/>, at version 1.</summary>
    public static ApprovalRequest Pending(string accountId, string region, string instanceId, DateTimeOffset expiresAt) => new()
    {
        RequestId = RequestId,
        AccountId = accountId,
        Region = region,
        InstanceId = instanceId,
        Trigger = Triggers.GuardDuty,
        Reason = "GuardDuty finding at severity 5",
        FindingId = FindingId,
        SourceEventId = "test",
        RequestedAt = expiresAt.AddMinutes(-30),
        ExpiresAt = expiresAt,
        OnExpiry = ExpiryAction.Contain,
        Version = 1,
    };
}
