using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Isolation;

/// <summary>
/// What the entry points (Lambda, CLI) call. Errors are exceptions: <see cref="InvalidRequestException"/> (bad input,
/// unknown or terminated instance, missing configuration; nothing changed), <see cref="IsolationBusyException"/>
/// (another run holds the record), <see cref="IsolationFailedException"/> (a step failed; the record says what completed
/// and what failed), <see cref="RestoreGroupsRequiredException"/> (a release must name the groups to restore).
/// </summary>
public partial interface IIsolationService
{
    Task<IsolationResult> IsolateAsync(IsolationRequest request, CancellationToken cancellationToken);

    Task<IsolationResult> ReleaseAsync(ReleaseRequest request, CancellationToken cancellationToken);

    /// <summary>The isolation's plan with the API calls it would make, permission-checked with EC2 DryRun; changes nothing.</summary>
    Task<IsolationPlan> PlanIsolationAsync(IsolationRequest request, CancellationToken cancellationToken);

    /// <summary>The release's plan; changes nothing.</summary>
    Task<IsolationPlan> PlanReleaseAsync(ReleaseRequest request, CancellationToken cancellationToken);

    /// <summary>The record of one instance, or null when it was never isolated.</summary>
    Task<IsolationRecord?> GetStatusAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>Every record in the table.</summary>
    Task<IReadOnlyList<IsolationRecord>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The sweep's check of an isolation in force: an instance that no longer exists has its record closed
    /// (<see cref="IsolationOutcome.InstanceGone"/>: its network ACL denies removed, so that no future instance given its
    /// addresses is cut off); an isolated one whose network drifted (an ENI attached since) or whose network ACL denies
    /// someone removed is contained again (<see cref="IsolationOutcome.Isolated"/>); otherwise nothing changes
    /// (<see cref="IsolationOutcome.AlreadyIsolated"/>, or <see cref="IsolationOutcome.Unfinished"/> for a live instance
    /// whose isolation or release a run left unfinished: that run's retry or a rerun finishes it).
    /// </summary>
    Task<IsolationResult> ReconcileAsync(string instanceId, string requestedBy, CancellationToken cancellationToken);

    /// <summary>
    /// Names who asked for an isolation whose record does not say, its requestedBy starting with
    /// <paramref name="placeholderPrefix"/> (a tag-change event's id): one write conditional on the version read, never while a
    /// run holds the record (its next write would conflict). Nothing else changes.
    /// </summary>
    Task<RequesterNaming> NameRequesterAsync(string instanceId, string requestedBy, string placeholderPrefix, CancellationToken cancellationToken);
}

/// <summary>What <see cref="IIsolationService.NameRequesterAsync"/> did, and the record as it is now (null when there is none).</summary>
public sealed record RequesterNaming(RequesterNamingOutcome Outcome, IsolationRecord? Record);

public enum RequesterNamingOutcome
{
    /// <summary>The record now names the requester.</summary>
    Named,
    /// <summary>The record names who asked already (an analyst's CLI run, a finding, an earlier CreateTags event); unchanged.</summary>
    AlreadyNamed,
    /// <summary>No record of the instance: nothing to name.</summary>
    NoRecord,
    /// <summary>A run holds the record, or wrote it meanwhile; unchanged (a retry of the event may name it).</summary>
    Busy,
}

/// <param name="InstanceId">The instance to isolate (i-...).</param>
/// <param name="Reason">Why, for the record and the tags (a GuardDuty finding, an analyst's words).</param>
/// <param name="IncidentId">The incident to tag with; generated when absent.</param>
/// <param name="RequestedBy">Who asked; the caller's ARN when absent.</param>
/// <param name="FindingId">
/// The GuardDuty finding that asked, kept in the record so that its re-publications are recognised: a record that holds
/// it for an isolation that completed (or was released), in force or in its history, ends the run with
/// <see cref="IsolationOutcome.FindingHandledBefore"/>; an unfinished one is resumed (Lambda's retry of a failed run).
/// </param>
/// <param name="TagsOnceClaimed">
/// Tags to put on the instance once the run has claimed its record, i.e. decided to act: never on an instance the run
/// leaves alone. They go on beside the network step, which never waits for them; the run waits for them before it
/// returns. Their failure fails a run that isolated the instance (an <see cref="InvalidOperationException"/> that says
/// so, the record written); a run that failed itself throws its own failure.
/// </param>
/// <param name="OnlyIfTagged">
/// Act only if the instance, as the run describes it, carries this tag with this value (a tag-change event: one delivered
/// late or twice, after a release removed the tag, must change nothing); otherwise <see cref="IsolationOutcome.TriggerTagAbsent"/>.
/// </param>
/// <param name="Approval">The decision of the approval request that asked for this isolation, kept in the record; none when no one was asked.</param>
/// <param name="Redo">
/// Steps to apply again on an instance already isolated (re-containment after someone undid them): its record is resumed
/// with these steps run again, as a record whose network drifted is; none: an isolated instance is left as it is.
/// </param>
/// <param name="Tampering">
/// The call that could undo the isolation, for a re-containment: the run's notices carry it, and its end is a
/// <see cref="NoticeKind.Tampered"/> notice rather than <see cref="NoticeKind.Completed"/>.
/// </param>
public sealed record IsolationRequest(
    string InstanceId, string? Reason = null, string? IncidentId = null, string? RequestedBy = null, string? FindingId = null,
    IReadOnlyDictionary<string, string>? TagsOnceClaimed = null, KeyValuePair<string, string>? OnlyIfTagged = null,
    IReadOnlyCollection<string>? Redo = null, TamperingCall? Tampering = null,
    Approvals.ApprovalDecision? Approval = null)
{
    /// <summary>
    /// The continuation (a message of the continuation queue) whose isolation's deferred EC2 evidence steps this run
    /// finishes: it acts only while that isolation is in progress (otherwise <see cref="IsolationOutcome.ContinuationStale"/>
    /// or <see cref="IsolationOutcome.AlreadyIsolated"/>, nothing changed). It waits throttling out until its invocation's
    /// end nears, then queues what remains again, up to <see cref="IsolationService.MaxContinuations"/> continuations.
    /// </summary>
    public Ports.Continuation? ContinuationOf { get; init; }

    /// <summary>
    /// The ticket the approval request opened (a Jira issue key): a record without a ticket starts with it, so that the
    /// isolation's notices comment on it rather than open a second one.
    /// </summary>
    public string? TicketKey { get; init; }
}

/// <param name="RestoreGroups">
/// The security groups to give the network interfaces whose original groups are not known (an instance found in isolation
/// groups without a record); required for such an instance, ignored otherwise. EC2 checks that they belong to the ENI's VPC.
/// </param>
public sealed record ReleaseRequest(string InstanceId, string? RequestedBy = null, IReadOnlyList<string>? RestoreGroups = null);

public enum IsolationOutcome
{
    /// <summary>This run isolated the instance (or finished an isolation a failed run left).</summary>
    Isolated,
    /// <summary>
    /// The network is contained but at least one later step failed (every other one ran): never a success. Carried by
    /// <see cref="IsolationFailedException.Result"/>; the record's FailedSteps lists the failures, and a rerun retries them.
    /// </summary>
    Incomplete,
    /// <summary>
    /// A tag-change event no longer holds: the instance does not carry the trigger tag with its value any more (released,
    /// or untagged since); nothing changed.
    /// </summary>
    TriggerTagAbsent,
    /// <summary>The instance was already isolated; nothing changed.</summary>
    AlreadyIsolated,
    /// <summary>
    /// The request's finding is in the instance's record, in force or in its history (GuardDuty re-publishes a finding's
    /// updates), whatever its status: nothing changed, so that a re-publication never isolates a released instance again.
    /// </summary>
    FindingHandledBefore,
    /// <summary>This run restored the original configuration, or all of it that still exists (the record's NotRestored lists the rest).</summary>
    Released,
    /// <summary>The instance was already released; nothing changed.</summary>
    AlreadyReleased,
    /// <summary>
    /// The network is contained and every step not on EC2's evidence buckets ran; EC2 throttled its evidence steps, which
    /// the continuation queue finishes (the record's DeferredSteps). Not yet a completed isolation.
    /// </summary>
    Contained,
    /// <summary>A continuation whose isolation is no longer in progress (released, another incident's); nothing changed.</summary>
    ContinuationStale,
    /// <summary>
    /// The instance no longer exists (terminated): its record is closed (released, <see cref="IsolationRecord.InstanceGone"/>
    /// saying how) once the network ACL denies of its addresses are removed; nothing else could be restored.
    /// </summary>
    InstanceGone,
    /// <summary>A live instance whose isolation or release a run left unfinished: the sweep leaves it to a rerun; nothing changed.</summary>
    Unfinished,
}

public sealed record IsolationResult(IsolationOutcome Outcome, IsolationRecord Record, string Message);

/// <summary>What a run would do, step by step.</summary>
public sealed record IsolationPlan(string InstanceId, string Action, IReadOnlyList<PlannedCall> Calls, string Message);

/// <param name="Step">The step that makes the call.</param>
/// <param name="Api">service:Action, e.g. ec2:ModifyNetworkInterfaceAttribute.</param>
/// <param name="Target">The resource it acts on.</param>
/// <param name="Detail">What it sets.</param>
/// <param name="Permission">What EC2 DryRun said, where the API has it.</param>
public sealed record PlannedCall(string Step, string Api, string Target, string Detail, PermissionCheck Permission);

public enum PermissionCheck
{
    /// <summary>EC2 DryRun answered DryRunOperation.</summary>
    Allowed,
    /// <summary>EC2 DryRun answered UnauthorizedOperation.</summary>
    Denied,
    /// <summary>The API has no DryRun (IAM, Auto Scaling, ELBv2, DynamoDB, profile association).</summary>
    NotCheckable,
    /// <summary>The call acts on a resource the plan itself creates, so it cannot be checked yet.</summary>
    DependsOnPlannedResource,
}
