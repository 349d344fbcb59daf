using System.Globalization;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Isolation;

/// <summary>The isolation: what to claim (a new record, a failed run's, a released one's), then the steps.</summary>
public sealed partial class IsolationService
{
    /// <summary>How many continuations an isolation may queue, one after another, while EC2 keeps throttling it (about 70 s each).</summary>
    public const int MaxContinuations = 10;

    /// <summary>How long before its invocation's deadline a continuation stops waiting for EC2 and queues what remains again.</summary>
    public static readonly TimeSpan ContinuationReserve = TimeSpan.FromSeconds(20);

    private async Task<IsolationResult> IsolateAsync(Run run, IsolationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var instanceId = InstanceIds.Validate(request.InstanceId);
        using var scope = InstanceScope(run.Logger, instanceId);
        settings.RequireIsolationInstanceProfile();
        if (request.IncidentId is not null)
        {
            InstanceIds.ValidateIncidentId(request.IncidentId);
        }

        var requestedBy = request.RequestedBy is null ? caller.GetCallerArnAsync(cancellationToken) : Task.FromResult(request.RequestedBy);
        var state = await BeforeAnyChangeAsync(() => InstanceState.ResolveAsync(run.Apis, instanceId, settings, forIsolation: true, cancellationToken));
        if (await StaleTagEventAsync(run, request, state, cancellationToken) is { } stale)
        {
            return stale;
        }

        if (request.ContinuationOf is { } continued && await StaleContinuationAsync(run, instanceId, continued.IncidentId, state, cancellationToken) is { } done)
        {
            return done;
        }

        var groups = LookUpIsolationGroups(run.Apis, state.Instance, cancellationToken);
        RecordLease? lease = null;
        if (state.Unmarked is { } unmarked)
        {
            lease = await TryClaimNewAsync(run, request, unmarked, requestedBy, cancellationToken);
            if (lease is null)
            {
                // A record exists (released, left by a failed run before its network step, another run's) and nothing
                // was changed: it decides, as when the instance shows an isolation, against the instance as it is now.
                state = await BeforeAnyChangeAsync(() => InstanceState.WithRecordAsync(run.Apis, instanceId, cancellationToken));
            }
        }

        // On any record read, whatever the instance's state: a re-publication must not isolate a released instance
        // again, nor re-contain what the finding's own completed run left. A claimed new record was not read, and needs no check.
        if (state.Record is { } read && request.FindingId is { } findingId && HandledBefore(read, findingId))
        {
            Log.FindingHandledBefore(run.Logger, findingId, instanceId);
            return new IsolationResult(IsolationOutcome.FindingHandledBefore, read, $"This finding was handled before for {instanceId}; nothing changed.");
        }

        if (state.Record is { Status: IsolationStatus.Isolated } isolated && !NetworkDrifted(isolated, state.Instance) && request.Redo is not { Count: > 0 })
        {
            Log.AlreadyIsolated(run.Logger, instanceId);
            return new IsolationResult(IsolationOutcome.AlreadyIsolated, isolated, $"{instanceId} is already isolated (incident {isolated.IncidentId}); nothing changed.");
        }

        var instance = RequireLiveInstance(state.Instance, instanceId);
        lease ??= await ClaimAsync(run, request, state.Record, instance, requestedBy, cancellationToken);
        var tagging = TagOnceClaimedAsync(run, instanceId, request.TagsOnceClaimed, cancellationToken);
        var record = lease.Record;
        if (record.CompletedSteps.Count > 0)
        {
            Log.IsolationResumed(run.Logger, instanceId, string.Join(", ", record.CompletedSteps));
        }
        else
        {
            Log.IsolationStarted(run.Logger, instanceId, record.VpcId, record.IncidentId, record.Reason);
        }

        var context = NewContext(run, lease, instance, groups);
        var deferral = DeferralOf(run, request);
        bool deferred;
        try
        {
            deferred = await StepRunner.ApplyAsync(context, IsolationSteps.InOrder, run.OnStep, deferral, cancellationToken);
            if (deferred)
            {
                var generation = request.ContinuationOf is { } previous ? previous.Generation + 1 : 0;
                await StepRunner.DeferAsync(context, run.Continuations!, region, generation, cancellationToken);
            }
            else
            {
                record.Status = IsolationStatus.Isolated;
                record.IsolatedAt = time.GetUtcNow();
                await StepRunner.FinishAsync(context, request.Tampering is null ? NoticeKind.Completed : NoticeKind.Tampered, cancellationToken);
                Log.Isolated(run.Logger, instanceId);
            }
        }
        catch
        {
            await SettleTaggingAfterFailureAsync(run.Logger, tagging, instanceId);
            throw;
        }
        finally
        {
            await StepRunner.SettleNoticesAsync(context, cancellationToken);
        }

        // Once the outcome is written and the lease given up: a tagging failure fails the run, never the record.
        try
        {
            await tagging;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException(
                $"{instanceId} is isolated (incident {record.IncidentId}), but tagging it failed: {e.Message}", e);
        }

        if (deferred)
        {
            return new IsolationResult(IsolationOutcome.Contained, record, $"{instanceId}'s network is contained (incident {record.IncidentId}); "
                + $"EC2 throttled its evidence steps, so {string.Join(", ", record.DeferredSteps)} continue from the continuation queue."
                + NetworkGapsNote(record));
        }

        return new IsolationResult(IsolationOutcome.Isolated, record, $"{instanceId} is isolated (incident {record.IncidentId})."
            + (record.Artifacts.RoleWideRevocation
                ? " Its role held more isolated instances than one boundary can name: the credential revocation is role-wide (every instance session of the role issued before now is denied)."
                : string.Empty)
            + NetworkGapsNote(record));
    }

    /// <summary>
    /// How this run may defer throttled EC2 evidence steps: the run an event starts gives way at once; a continuation waits
    /// throttling out until <see cref="ContinuationReserve"/> before its invocation's deadline, then queues what remains
    /// again, up to <see cref="MaxContinuations"/> continuations in all, after which (and outside Lambda) it waits to the end.
    /// </summary>
    private Deferral? DeferralOf(Run run, IsolationRequest request) =>
        (run.Continuations, request.ContinuationOf, deadline?.Current) switch
        {
            (null, _, _) => null,
            (_, null, _) => new Deferral(YieldAfter: null),
            (_, { Generation: < MaxContinuations - 1 }, { } end) => new Deferral(end - ContinuationReserve),
            _ => null,
        };

    /// <summary>What the network step could not contain, said in the result (it is in the record too), or nothing.</summary>
    private static string NetworkGapsNote(IsolationRecord record) =>
        record.Artifacts.NetworkGaps.Count == 0 ? string.Empty : " But its network may not be wholly contained: " + string.Join("; ", record.Artifacts.NetworkGaps);

    /// <summary>
    /// A tag-change event that no longer holds (Lambda keeps events for hours and may deliver one twice): the instance, as
    /// the run has just described it, no longer carries the trigger tag with its value (a release removes it). Nothing is
    /// changed; the result says why, with the instance's record, read for the purpose; null when the event holds.
    /// </summary>
    private static async Task<IsolationResult?> StaleTagEventAsync(Run run, IsolationRequest request, InstanceState state, CancellationToken cancellationToken)
    {
        if (request.OnlyIfTagged is not { } trigger || state.Instance is not { IsGone: false } instance
            || (instance.Tags.TryGetValue(trigger.Key, out var value) && value == trigger.Value))
        {
            return null;
        }

        var why = $"{instance.InstanceId} no longer carries the tag {trigger.Key}={trigger.Value} (released or untagged since the event); nothing changed.";
        Log.StaleTagEvent(run.Logger, instance.InstanceId, trigger.Key, trigger.Value);
        var record = state.Record ?? await BeforeAnyChangeAsync(() => run.Apis.Records.GetAsync(instance.InstanceId, cancellationToken));
        return record is null
            ? throw new InvalidRequestException(why)
            : new IsolationResult(IsolationOutcome.TriggerTagAbsent, record, why);
    }

    /// <summary>
    /// A continuation acts only on the isolation it continues, still in progress: one since completed, released or
    /// replaced by another incident's (or an instance gone) changes nothing, so that a late or repeated message never
    /// isolates a released instance again. Null when it applies.
    /// </summary>
    private static async Task<IsolationResult?> StaleContinuationAsync(
        Run run, string instanceId, string incidentId, InstanceState state, CancellationToken cancellationToken)
    {
        var record = state.Record ?? await BeforeAnyChangeAsync(() => run.Apis.Records.GetAsync(instanceId, cancellationToken));
        var why = record switch
        {
            null => "no isolation record",
            { Status: IsolationStatus.Isolated } => "the isolation completed",
            _ when record.IncidentId != incidentId => $"the record is now incident {record.IncidentId}",
            { Status: not IsolationStatus.Isolating } => $"the isolation is {record.Status}",
            _ when state.Instance is not { IsGone: false } => "the instance is gone",
            _ => null,
        };
        if (why is null)
        {
            return null;
        }

        Log.StaleContinuation(run.Logger, instanceId, incidentId, why);
        return record is null
            ? throw new InvalidRequestException($"{instanceId} has no isolation record; the continuation of incident {incidentId} changed nothing.")
            : new IsolationResult(
                record.Status == IsolationStatus.Isolated ? IsolationOutcome.AlreadyIsolated : IsolationOutcome.ContinuationStale,
                record, $"The continuation of incident {incidentId} for {instanceId} no longer applies ({why}); nothing changed.");
    }

    /// <summary>
    /// An instance that shows no isolation is almost always isolated for the first time: its new record is claimed at
    /// once, without reading the table first. Null, with nothing changed, when a record exists.
    /// </summary>
    private async Task<RecordLease?> TryClaimNewAsync(
        Run run, IsolationRequest request, InstanceDescription instance, Task<string> requestedBy, CancellationToken cancellationToken)
    {
        var record = WithFinding(NewRecord(request, instance, earlier: null, await requestedBy, networkUnknown: false), request);
        return await BeforeAnyChangeAsync(() => RecordLease.TryCreateAsync(run.Apis.Records, time, LeaseTerm, record, cancellationToken));
    }

    /// <summary>Claims what the record read, <paramref name="current"/>, leaves to do: finish it, isolate again, or start a new isolation.</summary>
    private async Task<RecordLease> ClaimAsync(
        Run run, IsolationRequest request, IsolationRecord? current, InstanceDescription instance, Task<string> requestedBy, CancellationToken cancellationToken)
    {
        var record = current switch
        {
            { Status: IsolationStatus.Isolating or IsolationStatus.Isolated } resumed => Redo(Resume(resumed, instance, run.Logger), request.Redo),
            { Status: IsolationStatus.Releasing } releasing => Reisolate(releasing),
            _ => NewRecord(request, instance, current, await requestedBy, NetworkUnknown(run.Logger, instance)),
        };
        return await BeforeAnyChangeAsync(() => RecordLease.AcquireAsync(
            run.Apis.Records, time, LeaseTerm, WithFinding(record, request), current, cancellationToken));
    }

    /// <summary>
    /// True when <paramref name="record"/> holds <paramref name="findingId"/> for an isolation that completed (isolated, or
    /// being or been released): an unfinished one, left by a failed run, is resumed by the finding's retry.
    /// </summary>
    private static bool HandledBefore(IsolationRecord record, string findingId) =>
        record.History.Any(r => r.FindingIds.Contains(findingId))
        || (record.FindingIds.Contains(findingId) && record.Status != IsolationStatus.Isolating);

    /// <summary>
    /// The request's tags, put on once the record is claimed, in the background: the network step never waits for them.
    /// The call is made at once, so that a plan shows it beside the record's claim rather than in the step running with it;
    /// any failure, even one thrown before the call's first await, is the task's: the run holds the lease by then.
    /// </summary>
    private static async Task TagOnceClaimedAsync(Run run, string instanceId, IReadOnlyDictionary<string, string>? tags, CancellationToken cancellationToken)
    {
        if (tags is not null)
        {
            await run.Apis.Ec2.CreateTagsAsync(instanceId, tags, cancellationToken);
        }
    }

    /// <summary>
    /// After a failed run, waits for its tags (a trigger tag lets the sweep retry) and logs their failure: the run's own
    /// failure is what the caller must see.
    /// </summary>
    private static async Task SettleTaggingAfterFailureAsync(ILogger log, Task tagging, string instanceId)
    {
        try
        {
            await tagging;
        }
#pragma warning disable CA1031 // The run's failure is rethrown; this one is logged.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.TagsNotWritten(log, e, instanceId);
        }
    }

    private static IsolationRecord WithFinding(IsolationRecord record, IsolationRequest request)
    {
        if (request.FindingId is { } findingId && !record.FindingIds.Contains(findingId))
        {
            record.FindingIds.Add(findingId);
        }

        if (request.Approval is { } approval && !record.Approvals.Exists(a => a.RequestId == approval.RequestId))
        {
            record.Approvals.Add(approval);
        }

        record.TicketKey ??= request.TicketKey;

        return record;
    }

    /// <summary>
    /// The isolation groups of the instance's VPC, looked up as soon as the VPC is known, beside the record's claim:
    /// only the network step waits for them, and a failed look-up fails that step. A run that ends before it (the
    /// instance is already isolated, or another run holds it) leaves the look-up unawaited, its failure observed here.
    /// </summary>
    private Task<IReadOnlyList<SecurityGroupInfo>> LookUpIsolationGroups(AwsApis apis, InstanceDescription? instance, CancellationToken cancellationToken)
    {
        if (instance is not { IsGone: false, VpcId: { } vpcId })
        {
            return Task.FromResult<IReadOnlyList<SecurityGroupInfo>>([]);
        }

        var lookUp = apis.Ec2.FindSecurityGroupsAsync(vpcId, [settings.AllTrafficGroupName, settings.QuarantineGroupName], cancellationToken);
        _ = lookUp.ContinueWith(static task => task.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return lookUp;
    }

    /// <summary>
    /// An instance whose ENIs sit in isolation groups while the table holds no record of an isolation in force: a person
    /// or an attacker may have put it there (a workload allowed to change its own groups can), or the record was lost (a
    /// table replaced and not migrated). It is contained all the same, never refused: the groups are no evidence of an
    /// isolation this tool knows. Its original network configuration is not known here, and the record says so, so that
    /// a release asks which groups to restore instead of restoring the isolation. Tags prove nothing: anyone allowed to
    /// tag the instance can write them.
    /// </summary>
    private bool NetworkUnknown(ILogger log, InstanceDescription instance)
    {
        var signs = InstanceState.IsolationSigns(instance, settings);
        if (signs.Count > 0)
        {
            Log.IsolatedWithoutRecord(log, instance.InstanceId, string.Join("; ", signs), settings.TableName);
        }

        return signs.Count > 0;
    }

    /// <summary>
    /// True when an ENI of an instance whose network step completed is not in its own VPC's quarantine group alone: one
    /// was attached, or its groups changed, since. The network step must then run again.
    /// </summary>
    private static bool NetworkDrifted(IsolationRecord record, InstanceDescription? instance) =>
        instance is { IsGone: false }
        && record.CompletedSteps.Contains(StepNames.Network)
        && !instance.NetworkInterfaces.All(record.IsQuarantinedOnly);

    /// <summary>
    /// Finishes an isolation a failed run left, or re-contains an isolated instance whose network drifted: the network
    /// step again, and the network ACL cut again, for the addresses of an ENI attached since (the cut skips the denies in force).
    /// </summary>
    private static IsolationRecord Resume(IsolationRecord record, InstanceDescription instance, ILogger log)
    {
        if (NetworkDrifted(record, instance))
        {
            Log.NetworkDrifted(log, record.InstanceId);
            record.CompletedSteps.Remove(StepNames.Network);
            record.CompletedSteps.Remove(StepNames.NetworkAclCut);
        }

        record.Status = IsolationStatus.Isolating;
        return record;
    }

    /// <summary>The request's steps to run again (re-containment after tampering): they are no longer counted as completed.</summary>
    private static IsolationRecord Redo(IsolationRecord record, IReadOnlyCollection<string>? steps)
    {
        record.CompletedSteps.RemoveAll(step => steps?.Contains(step) == true);
        return record;
    }

    /// <summary>An instance whose release died halfway is isolated again from the same original configuration.</summary>
    private static IsolationRecord Reisolate(IsolationRecord record)
    {
        record.Status = IsolationStatus.Isolating;
        record.CompletedSteps.Clear();
        record.ReleasedSteps.Clear();
        record.FailedSteps.Clear();
        return record;
    }

    private IsolationRecord NewRecord(IsolationRequest request, InstanceDescription instance, IsolationRecord? earlier, string requestedBy, bool networkUnknown)
    {
        var now = time.GetUtcNow();
        var history = new List<IsolationRecord>();
        if (earlier is { } released)
        {
            // The earlier isolation moves into the new record's history, flat: its own history comes first.
            history.AddRange(released.History);
            released.History.Clear();
            history.Add(released);
        }

        return new IsolationRecord
        {
            InstanceId = instance.InstanceId,
            InstanceArn = $"arn:{Partition(region)}:ec2:{region}:{instance.AccountId}:instance/{instance.InstanceId}",
            AccountId = instance.AccountId,
            Region = region,
            VpcId = instance.VpcId!,
            IncidentId = request.IncidentId ?? $"iso-{now.UtcDateTime.ToString("yyyyMMddTHHmmssZ", CultureInfo.InvariantCulture)}-{instance.InstanceId}",
            Reason = request.Reason ?? "(no reason given)",
            RequestedBy = requestedBy,
            StartedAt = now,
            History = history,
            Original = new OriginalConfiguration
            {
                NetworkInterfaces = [.. instance.NetworkInterfaces],
                Volumes = [.. instance.Volumes],
                IsSpot = instance.IsSpot,
                NetworkUnknown = networkUnknown,
            },
        };
    }

    private static string Partition(string region) =>
        region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn"
        : region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov"
        : "aws";
}
