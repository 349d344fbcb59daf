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
    public required string RequestedBy { get; init; }
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
    public DateTimeOffset? ReleasedAt { get; set; }
    public string? ReleasedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The last failure: which step and why. Cleared when a run completes.</summary>
    public string? FailedStep { get; set; }
    public string? LastError { get; set; }

    /// <summary>The ticket opened for this isolation (the Jira issue key), when a notifier opened one.</summary>
    public string? TicketKey { get; set; }

    /// <summary>What became of each notice of every run, in the order they were queued (a ticket tag when its ticket came back).</summary>
    public List<NotificationResult> Notifications { get; init; } = [];

    /// <summary>Earlier isolations of the same instance, oldest first (their own history emptied).</summary>
    public List<IsolationRecord> History { get; init; } = [];
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
    /// Null until recorded. Read right after the network step, so that containment waits for none of it, and recorded
    /// (in one write) before any step changes any of it. Null in a run that stopped in between: nothing in it was
    /// changed, so a release has nothing of it to restore, and the next isolation run records it.
    /// </summary>
    public OriginalAttachments? Attachments { get; set; }
}

/// <summary>The instance's ties beyond its network, as they were before: credentials, protection, scaling and traffic.</summary>
public sealed class OriginalAttachments
{
    public ProfileAssociation? InstanceProfile { get; init; }
    public required InstanceProtection Protection { get; init; }
    public AutoScalingMembership? AutoScaling { get; init; }
    public required List<TargetRegistration> TargetRegistrations { get; init; }
}

/// <summary>What the isolation created or needs to undo, filled in step by step.</summary>
public sealed class IsolationArtifacts
{
    public string? AllTrafficGroupId { get; set; }
    public string? QuarantineGroupId { get; set; }
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
}
