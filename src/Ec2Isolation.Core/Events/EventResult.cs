using System.Text.Json;
using System.Text.Json.Serialization;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Notifications;

namespace Ec2Isolation.Core.Events;

/// <summary>
/// What handling one event did: the function's response, which Lambda hands on as the <c>responsePayload</c> of its
/// on-success destination (the result event bus), and the CLI's <c>invoke</c> output. A contract with other automation:
/// docs/result-events.md and docs/result-event.v1.schema.json describe it; a change that renames, removes or changes the
/// meaning of a field is a new <see cref="SchemaVersion"/>.
/// </summary>
/// <param name="EventKind">tag-change, guardduty-finding, securityhub-action, tamper, trigger-tag-call, approval-decision or sweep.</param>
/// <param name="SourceEventId">The id of the EventBridge event handled.</param>
/// <param name="Account">The account of the event; each instance's own is <see cref="InstanceOutcome.Account"/> (a central sweep's are in member accounts too).</param>
/// <param name="Region">The region of the event, and of every instance in it.</param>
/// <param name="Action">An <see cref="Outcomes"/> value for one instance, or (sweep) swept, or (an isolation group's rules changed) reverted.</param>
/// <param name="Message">One sentence for people.</param>
/// <param name="Instances">Per instance: what happened to it.</param>
public sealed record EventResult(
    string EventKind, string SourceEventId, string Account, string Region, string Action, string Message, IReadOnlyList<InstanceOutcome> Instances)
{
    /// <summary>The version of this shape: docs/result-event.v{version}.schema.json.</summary>
    public const string CurrentSchemaVersion = "1";

    /// <summary>The <see cref="EventKind"/> of a continuation (the continuation queue's message): the function puts its result on the bus itself.</summary>
    public const string ContinuationKind = "continuation";

    /// <summary>The <see cref="Action"/> of a sweep.</summary>
    public const string Swept = "swept";

    /// <summary>The <see cref="Action"/> of a tamper event that changed the rules of an isolation group of ours, undone by this run.</summary>
    public const string Reverted = "reverted";

    [JsonPropertyOrder(-1)]
    public string SchemaVersion { get; } = CurrentSchemaVersion;

    /// <summary>For a tamper event: the call that tried to undo an isolation, who made it, and whether EC2 refused it.</summary>
    public TamperingCall? Tampering { get; init; }

    /// <summary>
    /// A sweep's: how many instances had each outcome. A sweep lists at most
    /// <see cref="IsolationEventProcessor.SweepListedInstances"/> of them in <see cref="Instances"/>, already isolated ones last.
    /// </summary>
    public IReadOnlyDictionary<string, int>? Counts { get; init; }

    /// <summary>For an approval-decision event: the decision acted on (request, approved or denied, by whom, when).</summary>
    public Approvals.ApprovalDecision? Approval { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, EventJsonContext.Default.EventResult);
}

/// <summary>A CloudTrail-recorded call on an isolated instance's resources.</summary>
/// <param name="EventName">The EC2 API call, e.g. ModifyNetworkInterfaceAttribute.</param>
/// <param name="Caller">Who made it: the userIdentity's ARN (its type and principalId when it has none).</param>
/// <param name="ErrorCode">Why EC2 refused it; absent when it succeeded.</param>
public sealed record TamperingCall(string EventName, string Caller, string? ErrorCode)
{
    /// <summary>The userIdentity's type: Root, IAMUser, AssumedRole, FederatedUser, AWSService...</summary>
    public string? CallerType { get; init; }

    /// <summary>The rules this run revoked from, or restored to, an isolation group of ours that the call changed (rule changes only).</summary>
    public IReadOnlyList<string>? RevertedRules { get; init; }

    /// <summary>"succeeded", or "refused by EC2 (CODE)": the words of the log, the result and the notices.</summary>
    [JsonIgnore]
    public string Verdict => ErrorCode is { } error ? "refused by EC2 (" + error + ")" : "succeeded";
}

/// <summary>What happened to one instance; the record's facts when there is a record.</summary>
/// <param name="InstanceId">The instance.</param>
/// <param name="Outcome">One of <see cref="Outcomes"/>.</param>
/// <param name="Message">One sentence for people.</param>
public sealed record InstanceOutcome(string InstanceId, string Outcome, string Message)
{
    /// <summary>The account the instance is in: the event's, except in a central sweep, which visits member accounts too.</summary>
    public string? Account { get; init; }

    /// <summary>The incident the isolation is recorded under.</summary>
    public string? IncidentId { get; init; }

    /// <summary>The isolation steps completed, in the order they completed.</summary>
    public IReadOnlyList<string>? CompletedSteps { get; init; }

    /// <summary>The quarantine security group the instance's network interfaces are in.</summary>
    public string? QuarantineGroupId { get; init; }

    /// <summary>The snapshots of the instance's EBS volumes.</summary>
    public IReadOnlyList<string>? SnapshotIds { get; init; }

    /// <summary>The ticket opened for the isolation (the Jira issue key), when a notifier opened one.</summary>
    public string? TicketKey { get; init; }

    /// <summary>The analyst's command that releases the instance.</summary>
    public string? ReleaseCommand { get; init; }

    /// <summary>Why the instance was refused or is busy.</summary>
    public string? Error { get; init; }

    /// <summary>An outcome for an instance that has an isolation record: the record's facts as they are now.</summary>
    public static InstanceOutcome FromRecord(string outcome, IsolationRecord record, string message)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new(record.InstanceId, outcome, message)
        {
            Account = record.AccountId,
            IncidentId = record.IncidentId,
            CompletedSteps = [.. record.CompletedSteps],
            QuarantineGroupId = record.Artifacts.QuarantineGroupId,
            SnapshotIds = [.. record.Artifacts.SnapshotIds],
            TicketKey = record.TicketKey,
            ReleaseCommand = IsolationNotice.ReleaseCommandFor(record),
        };
    }
}

/// <summary>The outcomes of <see cref="InstanceOutcome.Outcome"/> in a result (docs/result-events.md says what each means).</summary>
public static class Outcomes
{
    public const string Isolated = "isolated";
    public const string AlreadyIsolated = "already-isolated";
    public const string AlreadyHandled = "already-handled";
    public const string Busy = "busy";
    public const string Refused = "refused";
    public const string Ignored = "ignored";

    /// <summary>The network is contained; EC2 throttled the evidence steps, which the continuation queue finishes.</summary>
    public const string Contained = "contained";

    /// <summary>A sweep's only: the instance no longer exists; its record is closed, the network ACL denies of its addresses removed.</summary>
    public const string Closed = "closed";

    /// <summary>The tier asks first: an approval request was posted (or one is pending); nothing changed yet.</summary>
    public const string ApprovalRequested = "approval-requested";

    /// <summary>The tier only notifies: the channel was told; nothing changed.</summary>
    public const string Notified = "notified";

    /// <summary>An approver denied the approval request: nothing changed.</summary>
    public const string Denied = "denied";

    /// <summary>Never in a result: an instance that failed fails the invocation (fail closed), and the error goes to the failure queue.</summary>
    internal const string Failed = "failed";

    /// <summary>Every outcome a result can carry.</summary>
    public static IReadOnlyList<string> All { get; } = [Isolated, AlreadyIsolated, AlreadyHandled, Busy, Refused, Ignored, Contained, Closed, ApprovalRequested, Notified, Denied];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EventResult))]
internal sealed partial class EventJsonContext : JsonSerializerContext;
