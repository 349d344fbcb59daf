using System.Text.Json.Serialization;

namespace Ec2Isolation.Core.Model;

/// <summary>Where an instance stands in its isolation lifecycle.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<IsolationStatus>))]
public enum IsolationStatus
{
    /// <summary>The record is written and steps are being applied (or a run died while applying them).</summary>
    Isolating,
    /// <summary>Every step completed and was verified.</summary>
    Isolated,
    /// <summary>A release is undoing the steps (or died while undoing them).</summary>
    Releasing,
    /// <summary>The original configuration was restored.</summary>
    Released,
}

/// <summary>
/// The durable record of one isolation: the original configuration, each part written before anything changes it,
/// and every step as it completes, so that a rerun finishes the job and a release restores exactly.
/// </summary>
public sealed class IsolationRecord
{
    public required string InstanceId { get; init; }
    public required string InstanceArn { get; init; }
    public required string AccountId { get; init; }
    public required string Region { get; init; }
    public required string VpcId { get; init; }
    public required string IncidentId { get; init; }
    public required string Reason { get; init; }
    /// <summary>Who asked; settable so that a tag-change isolation gains the caller CloudTrail names (<see cref="Isolation.IIsolationService.NameRequesterAsync"/>).</summary>
    public required string RequestedBy { get; set; }
    public required DateTimeOffset StartedAt { get; init; }
    public required OriginalConfiguration Original { get; init; }

    /// <summary>GuardDuty findings that asked for this isolation (GuardDuty re-publishes a finding's updates under its id).</summary>
    public List<string> FindingIds { get; init; } = [];

    /// <summary>Clean replacements launched for this instance (<c>replace</c>), oldest first.</summary>
    public List<string> ReplacementInstanceIds { get; init; } = [];

    public IsolationStatus Status { get; set; } = IsolationStatus.Isolating;

    /// <summary>Incremented on every write; writes are conditional on the version read.</summary>
    public long Version { get; set; }

    /// <summary>The run that may write this record until <see cref="LeaseExpiresAt"/>.</summary>
    public string? LeaseOwner { get; set; }
    public DateTimeOffset? LeaseExpiresAt { get; set; }

    /// <summary>Isolation steps completed, in the order they completed.</summary>
    public List<string> CompletedSteps { get; init; } = [];

    /// <summary>Release steps completed, in the order they completed.</summary>
    public List<string> ReleasedSteps { get; init; } = [];

    public IsolationArtifacts Artifacts { get; init; } = new();

    public DateTimeOffset? IsolatedAt { get; set; }

    /// <summary>When the network step last completed (every ENI in quarantine); absent from records written before it existed.</summary>
    public DateTimeOffset? NetworkContainedAt { get; set; }
    public DateTimeOffset? ReleasedAt { get; set; }
    public string? ReleasedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>
    /// The first step the last run found failing, and why; <see cref="FailedSteps"/> lists them all. Cleared when a run completes.
    /// </summary>
    public string? FailedStep { get; set; }
    public string? LastError { get; set; }

    /// <summary>
    /// Every step that failed and has not completed since, with its error: after the network step an isolation runs
    /// every step whatever another's failure, so there can be several. A rerun retries them (and only the steps not
    /// completed). Emptied when a run completes; absent from records written before it existed.
    /// </summary>
    public Dictionary<string, string> FailedSteps { get; set; } = [];

    /// <summary>
    /// What the release could not restore because it no longer exists (a security group, target group, Auto Scaling
    /// group or instance profile deleted during the isolation), one sentence each; the rest was restored.
    /// </summary>
    public List<string> NotRestored { get; set; } = [];

    /// <summary>
    /// EC2 evidence steps that EC2 throttled after the network was contained, handed to the continuation queue so that
    /// the run's concurrency goes to other instances' network cuts; the continuation runs them and empties this.
    /// </summary>
    public List<string> DeferredSteps { get; set; } = [];

    /// <summary>The ticket opened for this isolation (the Jira issue key), when a notifier opened one.</summary>
    public string? TicketKey { get; set; }

    /// <summary>What became of each notice of every run, in the order they were queued (a ticket tag when its ticket came back).</summary>
    public List<NotificationResult> Notifications { get; init; } = [];

    /// <summary>The stop after evidence (<c>stop</c>, or the stop step); null while the isolation has not stopped it.</summary>
    public InstanceStop? Stop { get; set; }

    /// <summary>Amazon Inspector's summaries of the replacements (<c>replace</c>, <c>scan</c>), oldest first.</summary>
    public List<ScanSummary> ReplacementScans { get; set; } = [];

    /// <summary>The approval decisions that asked for this isolation (an approver's, or a time-out's), in the order made.</summary>
    public List<Approvals.ApprovalDecision> Approvals { get; set; } = [];

    /// <summary>Earlier isolations of the same instance, oldest first (their own history emptied).</summary>
    public List<IsolationRecord> History { get; init; } = [];

    /// <summary>Set when the record was closed because its instance no longer exists (<see cref="Model.InstanceGone"/>); null otherwise.</summary>
    public InstanceGone? InstanceGone { get; set; }

    /// <summary>The isolation groups recorded for <paramref name="vpcId"/>; null until the network step recorded them.</summary>
    public VpcIsolationGroups? IsolationGroupsIn(string vpcId) =>
        vpcId == VpcId
            ? Artifacts is { AllTrafficGroupId: { } allTraffic, QuarantineGroupId: { } quarantine } ? new VpcIsolationGroups(VpcId, allTraffic, quarantine) : null
            : Artifacts.OtherVpcGroups.Find(groups => groups.VpcId == vpcId);

    /// <summary>Records the isolation groups of one VPC: the record's own in the fields records always had, so that older readers still find them.</summary>
    public void RecordIsolationGroups(VpcIsolationGroups groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (groups.VpcId == VpcId)
        {
            Artifacts.AllTrafficGroupId = groups.AllTrafficGroupId;
            Artifacts.QuarantineGroupId = groups.QuarantineGroupId;
            return;
        }

        Artifacts.OtherVpcGroups.RemoveAll(recorded => recorded.VpcId == groups.VpcId);
        Artifacts.OtherVpcGroups.Add(groups);
    }

    /// <summary>True when <paramref name="eni"/> is in its own VPC's quarantine group alone, as the record knows that group.</summary>
    public bool IsQuarantinedOnly(NetworkInterfaceGroups eni)
    {
        ArgumentNullException.ThrowIfNull(eni);
        return eni.GroupIds.Count == 1 && eni.GroupIds[0] == IsolationGroupsIn(eni.VpcOr(VpcId))?.QuarantineGroupId;
    }
}

/// <summary>
/// Everything the isolation changes, as it was before. The network interfaces, volumes and spot flag are in the record's
/// first write, before the first change; the <see cref="Attachments"/> follow the network step.
/// </summary>
public sealed class OriginalConfiguration
{
    public required List<NetworkInterfaceGroups> NetworkInterfaces { get; init; }
    public required List<VolumeAttachment> Volumes { get; init; }
    public bool IsSpot { get; init; }

    /// <summary>
    /// True when the record was written for an instance already in isolation groups without any record of it (an
    /// attacker or a person may have moved it there; a lost record): <see cref="NetworkInterfaces"/> then holds the
    /// groups found, not the original ones, and a release asks the analyst which groups to restore.
    /// </summary>
    public bool NetworkUnknown { get; init; }

    /// <summary>
    /// Null until recorded. Read right after the network step, so that containment waits for none of it, and recorded
    /// (in one write) before any step changes any of it. Null in a run that stopped in between: nothing in it was
    /// changed, so a release has nothing of it to restore, and the next isolation run records it.
    /// </summary>
    public OriginalAttachments? Attachments { get; set; }
}

/// <summary>
/// The instance's ties beyond its network, as they were before: credentials, protection, scaling and traffic. Each part
/// is read on its own: a part whose read failed is listed in <see cref="Unread"/>, is never changed, and is read by the
/// next run; the steps that need only the other parts go on.
/// </summary>
public sealed class OriginalAttachments
{
    public ProfileAssociation? InstanceProfile { get; set; }

    /// <summary>Null only while unread (records written before parts were read on their own always hold it).</summary>
    public InstanceProtection? Protection { get; set; }

    public AutoScalingMembership? AutoScaling { get; set; }
    public List<TargetRegistration> TargetRegistrations { get; set; } = [];

    /// <summary>
    /// The names of the Classic Load Balancers that listed the instance. Null while not read: in a record written before
    /// the engine reached Classic Load Balancers (deliberately no initializer, so that such a record loads it as null),
    /// the next isolation run reads and records it.
    /// </summary>
    public List<string>? ClassicLoadBalancers { get; set; }

    /// <summary>The parts (<see cref="AttachmentParts"/>) whose read failed: not known, so not changed. Empty in older records: every part read.</summary>
    public List<string> Unread { get; set; } = [];

    /// <summary>The parts a run still has to read: those whose read failed, and those a record written before them lacks.</summary>
    public IReadOnlyList<string> Missing =>
        ClassicLoadBalancers is null && !Unread.Contains(AttachmentParts.ClassicLoadBalancers) ? [.. Unread, AttachmentParts.ClassicLoadBalancers] : Unread;

    public bool IsRead(string part) => !Missing.Contains(part);
}

/// <summary>The parts of <see cref="OriginalAttachments"/>, by the names records store.</summary>
public static class AttachmentParts
{
    public const string InstanceProfile = "instance-profile";
    public const string Protection = "protection";
    public const string AutoScaling = "auto-scaling";
    public const string TargetRegistrations = "target-registrations";
    public const string ClassicLoadBalancers = "classic-load-balancers";

    public static IReadOnlyList<string> All { get; } = [InstanceProfile, Protection, AutoScaling, TargetRegistrations, ClassicLoadBalancers];
}

/// <summary>What the isolation created or needs to undo, filled in step by step.</summary>
public sealed class IsolationArtifacts
{
    /// <summary>The all-traffic group of the record's VPC (that of the instance's primary ENI).</summary>
    public string? AllTrafficGroupId { get; set; }

    /// <summary>The quarantine group of the record's VPC (that of the instance's primary ENI).</summary>
    public string? QuarantineGroupId { get; set; }

    /// <summary>The isolation groups of the other VPCs the instance's ENIs come from (multi-VPC ENI attachments).</summary>
    public List<VpcIsolationGroups> OtherVpcGroups { get; set; } = [];

    /// <summary>
    /// What the network step could not contain or could not even find, worded for people (branch ENIs whose trunk
    /// could not be read, say); empty when every interface is contained.
    /// </summary>
    public List<string> NetworkGaps { get; set; } = [];
    public string? IsolationProfileAssociationId { get; set; }
    public List<string> OriginalRoleNames { get; set; } = [];

    /// <summary>The inline policy per instance of records written before revocation boundaries: a release deletes it.</summary>
    public string? RevocationPolicyName { get; set; }

    /// <summary>The boundary policies (one per role of the original profile) whose deny holds this instance.</summary>
    public List<string> RevocationBoundaryArns { get; set; } = [];

    /// <summary>True when a role held more isolated instances than its boundary can name, and the deny became role-wide.</summary>
    public bool RoleWideRevocation { get; set; }

    public List<string> SnapshotIds { get; set; } = [];

    /// <summary>Deny entries added to network ACLs to cut always-tracked paths; release removes exactly these.</summary>
    public List<NetworkAclDeny> NetworkAclDenies { get; set; } = [];

    /// <summary>Always-tracked paths the last run could not cut, and why (empty once every path is cut).</summary>
    public List<OpenPath> OpenPaths { get; set; } = [];

    /// <summary>The instance metadata endpoint as it was ("enabled" or "disabled"), when the metadata step turned it off.</summary>
    public string? OriginalMetadataEndpoint { get; set; }

    /// <summary>The ENIs' connection tracking timeouts as they were, when the tracking step shortened them.</summary>
    public List<ConnectionTracking> OriginalConnectionTracking { get; set; } = [];

    /// <summary>The instance's key pair as it was, public key included, when the key pair step deleted it; release re-imports it.</summary>
    public KeyPairInfo? KeyPair { get; set; }

    /// <summary>Images registered from snapshots to launch replacements (<c>replace --from-snapshot/--before</c>); kept for later launches.</summary>
    public List<string> ReplacementImageIds { get; set; } = [];
}

/// <summary>The isolation groups of one VPC.</summary>
public sealed record VpcIsolationGroups(string VpcId, string AllTrafficGroupId, string QuarantineGroupId);
