using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Isolation;

/// <summary>Every message the engine logs, with a stable event id: an audit trail that can be queried.</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Isolating {InstanceId} in {VpcId} for incident {IncidentId}: {Reason}")]
    public static partial void IsolationStarted(ILogger logger, string instanceId, string vpcId, string incidentId, string reason);

    [LoggerMessage(1001, LogLevel.Information, "Resuming the isolation of {InstanceId}; completed steps: {CompletedSteps}")]
    public static partial void IsolationResumed(ILogger logger, string instanceId, string completedSteps);

    [LoggerMessage(1002, LogLevel.Information, "Step {Step} completed for {InstanceId}")]
    public static partial void StepCompleted(ILogger logger, string step, string instanceId);

    [LoggerMessage(1003, LogLevel.Information, "Isolated {InstanceId}: network contained, credentials revoked, evidence kept")]
    public static partial void Isolated(ILogger logger, string instanceId);

    [LoggerMessage(1004, LogLevel.Information, "{InstanceId} is already isolated; nothing changed")]
    public static partial void AlreadyIsolated(ILogger logger, string instanceId);

    [LoggerMessage(1005, LogLevel.Error, "Step {Step} failed for {InstanceId}; completed steps {CompletedSteps} stay in force")]
    public static partial void StepFailed(ILogger logger, Exception exception, string step, string instanceId, string completedSteps);

    [LoggerMessage(1006, LogLevel.Critical, "Could not record the failure of {InstanceId}; the record may still hold the lease until it expires")]
    public static partial void FailureNotRecorded(ILogger logger, Exception exception, string instanceId);

    [LoggerMessage(1007, LogLevel.Information, "Created security group {GroupId} ({GroupName}) in {VpcId}")]
    public static partial void GroupCreated(ILogger logger, string groupId, string groupName, string vpcId);

    [LoggerMessage(1008, LogLevel.Information, "Security group {GroupName} in {VpcId} was created by a concurrent run; using it")]
    public static partial void GroupCreatedConcurrently(ILogger logger, string groupName, string vpcId);

    [LoggerMessage(1009, LogLevel.Warning, "Security group {GroupId} had rules it should not have; corrected: {Rules}")]
    public static partial void GroupCorrected(ILogger logger, string groupId, string rules);

    [LoggerMessage(1010, LogLevel.Information, "Releasing {InstanceId} (incident {IncidentId})")]
    public static partial void ReleaseStarted(ILogger logger, string instanceId, string incidentId);

    [LoggerMessage(1011, LogLevel.Information, "Released {InstanceId}: original configuration restored")]
    public static partial void Released(ILogger logger, string instanceId);

    [LoggerMessage(1012, LogLevel.Information, "{InstanceId} is already released; nothing changed")]
    public static partial void AlreadyReleased(ILogger logger, string instanceId);

    [LoggerMessage(1013, LogLevel.Warning, "{InstanceId} is held by another run until {LeaseExpiresAt}; this run changed nothing")]
    public static partial void Busy(ILogger logger, string instanceId, DateTimeOffset leaseExpiresAt);

    [LoggerMessage(1014, LogLevel.Warning, "EC2 accepts only part of the protection on {InstanceId} (a Spot instance or an instance store root): {Attributes} are set")]
    public static partial void ProtectionNotAccepted(ILogger logger, string instanceId, string attributes);

    [LoggerMessage(1016, LogLevel.Warning, "An ENI of {InstanceId} is no longer in the quarantine group alone; containing the network again")]
    public static partial void NetworkDrifted(ILogger logger, string instanceId);

    [LoggerMessage(1015, LogLevel.Information, "Snapshots of {InstanceId}: {SnapshotIds}")]
    public static partial void Snapshots(ILogger logger, string instanceId, string snapshotIds);

    [LoggerMessage(1017, LogLevel.Information, "Finding {FindingId} was handled before for {InstanceId} (GuardDuty re-publishes a finding's updates); nothing changed")]
    public static partial void FindingHandledBefore(ILogger logger, string findingId, string instanceId);

    [LoggerMessage(1019, LogLevel.Information, "A tag-change event for {InstanceId} no longer holds: the instance does not carry {TagKey}={TagValue}; nothing changed")]
    public static partial void StaleTagEvent(ILogger logger, string instanceId, string tagKey, string tagValue);

    [LoggerMessage(1020, LogLevel.Warning, "{InstanceId} shows an isolation ({Signs}) but table {TableName} holds no record of one in force: containing it, its original network configuration unknown (if the stack moved to a new record table, the old table's record has it)")]
    public static partial void IsolatedWithoutRecord(ILogger logger, string instanceId, string signs, string tableName);

    [LoggerMessage(1021, LogLevel.Warning, "Release of {InstanceId} could not restore: {What}")]
    public static partial void NotRestored(ILogger logger, string instanceId, string what);

    [LoggerMessage(1018, LogLevel.Warning, "Tagging {InstanceId} once its record was claimed failed too; the isolation's own failure is the one reported")]
    public static partial void TagsNotWritten(ILogger logger, Exception exception, string instanceId);

    [LoggerMessage(1040, LogLevel.Warning, "A role of {InstanceId} holds more isolated instances than its boundary can name ({Capacity} with one region, fewer beside other regions' statements): the revocation is role-wide in this region (every session of the role that an instance of this region obtained before now is denied)")]
    public static partial void RoleWideRevocation(ILogger logger, string instanceId, int capacity);

    [LoggerMessage(1170, LogLevel.Information, "EC2 throttled {Action} in step {Step} of {InstanceId}: the step gives way to other instances' network cuts and is deferred to the continuation queue")]
    public static partial void StepDeferred(ILogger logger, string step, string instanceId, string action);

    [LoggerMessage(1171, LogLevel.Information, "{InstanceId}: network contained; deferred steps {Steps} queued for their continuation")]
    public static partial void Deferred(ILogger logger, string instanceId, string steps);

    [LoggerMessage(1172, LogLevel.Information, "A continuation of {InstanceId} (incident {IncidentId}) no longer applies: {Why}; nothing changed")]
    public static partial void StaleContinuation(ILogger logger, string instanceId, string incidentId, string why);
}
