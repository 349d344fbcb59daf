using System.Globalization;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation.Planning;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Notifications;
using Ec2Isolation.Core.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ec2Isolation.Core.Isolation;

/// <summary>
/// Isolates and releases instances. Reads the instance (and the record only when the instance shows an isolation: a
/// first isolation claims its new record with a write that fails, changing nothing, when one exists, and only then reads
/// it and the instance again), writes the record with the original network configuration while it looks up the VPC's
/// isolation groups, contains the network, then records the rest of the original configuration before any step changes it; applies the
/// steps in order recording each as it completes, and never undoes a step on error: a failed run leaves a record that
/// says what holds, and the next run finishes the job. A request for a GuardDuty finding that a record read holds, in
/// force or in its history, changes nothing: the check costs no read of its own, since a fresh instance (whose claim
/// succeeds) has no record to hold it. Tags the request asks for go on only once the run has claimed the record, beside
/// the network step. Notifiers, when there are any, hear of the run in the background once the network is contained,
/// and of its end; they never delay a step.
/// </summary>
public sealed class IsolationService(
    AwsApis apis,
    IEc2Api ec2PermissionProbe,
    ICallerIdentity caller,
    IsolationSettings settings,
    string region,
    TimeProvider time,
    ILogger<IsolationService> logger,
    IEnumerable<IIsolationNotifier>? notifiers = null) : IIsolationService
{
    private readonly IIsolationNotifier[] _notifiers = [.. notifiers ?? []];

    public Task<IsolationResult> IsolateAsync(IsolationRequest request, CancellationToken cancellationToken) =>
        IsolateAsync(new Run(apis, logger, OnStep: null, Notices()), request, cancellationToken);

    public Task<IsolationResult> ReleaseAsync(ReleaseRequest request, CancellationToken cancellationToken) =>
        ReleaseAsync(new Run(apis, logger, OnStep: null, Notices()), request, cancellationToken);

    public async Task<IsolationPlan> PlanIsolationAsync(IsolationRequest request, CancellationToken cancellationToken)
    {
        var recorder = new PlanRecorder(apis, ec2PermissionProbe);
        var result = await IsolateAsync(PlanRun(recorder), request, cancellationToken);
        return recorder.ToPlan(request.InstanceId, "isolate", result);
    }

    public async Task<IsolationPlan> PlanReleaseAsync(ReleaseRequest request, CancellationToken cancellationToken)
    {
        var recorder = new PlanRecorder(apis, ec2PermissionProbe);
        var result = await ReleaseAsync(PlanRun(recorder), request, cancellationToken);
        return recorder.ToPlan(request.InstanceId, "release", result);
    }

    public Task<IsolationRecord?> GetStatusAsync(string instanceId, CancellationToken cancellationToken) =>
        apis.Records.GetAsync(InstanceIds.Validate(instanceId), cancellationToken);

    public Task<IReadOnlyList<IsolationRecord>> ListAsync(CancellationToken cancellationToken) =>
        apis.Records.ListAsync(cancellationToken);

    /// <summary>One run: the AWS calls it makes, where it logs, who hears of each step (a plan), and its notices (none for a plan).</summary>
    private sealed record Run(AwsApis Apis, ILogger Logger, Action<string>? OnStep, NoticeDispatcher? Notices = null);

    private NoticeDispatcher? Notices() =>
        NoticeDispatcher.For(_notifiers, apis.Ec2, settings.StatusTagPrefix + "ticket", time, logger, NoticeTiming.DefaultTimeout);

    /// <summary>A plan runs the real steps against recording decorators, and logs nothing: it must not read like an isolation in the audit trail.</summary>
    private static Run PlanRun(PlanRecorder recorder) => new(recorder.Wrap(recorder.Apis), NullLogger.Instance, recorder.StartStep);

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

        // On any record read, whatever its status or the instance's: a re-publication must not isolate a released instance
        // again, nor resume or re-contain what the finding's own run left. A claimed new record was not read, and needs no check.
        if (state.Record is { } read && request.FindingId is { } findingId && HandledBefore(read, findingId))
        {
            Log.FindingHandledBefore(run.Logger, findingId, instanceId);
            return new IsolationResult(IsolationOutcome.FindingHandledBefore, read, $"This finding was handled before for {instanceId}; nothing changed.");
        }

        if (state.Record is { Status: IsolationStatus.Isolated } isolated && !NetworkDrifted(isolated, state.Instance))
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
        try
        {
            await RunStepsAsync(context, IsolationSteps.InOrder, record.CompletedSteps, StepDirection.Apply, run.OnStep, cancellationToken);
            record.Status = IsolationStatus.Isolated;
            record.IsolatedAt = time.GetUtcNow();
            await FinishAsync(context, NoticeKind.Completed, cancellationToken);
            Log.Isolated(run.Logger, instanceId);
        }
        catch
        {
            await SettleTaggingAfterFailureAsync(run.Logger, tagging, instanceId);
            throw;
        }
        finally
        {
            await SettleNoticesAsync(context, cancellationToken);
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

        return new IsolationResult(IsolationOutcome.Isolated, record, $"{instanceId} is isolated (incident {record.IncidentId})."
            + (record.Artifacts.RoleWideRevocation
                ? " Its role held more isolated instances than one boundary can name: the credential revocation is role-wide (every instance session of the role issued before now is denied)."
                : string.Empty));
    }

    private async Task<IsolationResult> ReleaseAsync(Run run, ReleaseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var instanceId = InstanceIds.Validate(request.InstanceId);
        using var scope = InstanceScope(run.Logger, instanceId);
        var requestedBy = request.RequestedBy is null ? caller.GetCallerArnAsync(cancellationToken) : Task.FromResult(request.RequestedBy);
        var state = await BeforeAnyChangeAsync(() => InstanceState.ResolveAsync(run.Apis, instanceId, settings, forIsolation: false, cancellationToken));
        var record = state.Record ?? throw new InvalidRequestException($"{instanceId} has no isolation record; there is nothing to release.");
        if (record.Status == IsolationStatus.Released)
        {
            Log.AlreadyReleased(run.Logger, instanceId);
            return new IsolationResult(IsolationOutcome.AlreadyReleased, record, $"{instanceId} is already released; nothing changed.");
        }

        var instance = RequireLiveInstance(state.Instance, instanceId);
        if (record.Status != IsolationStatus.Releasing)
        {
            record.Status = IsolationStatus.Releasing;
            record.ReleasedSteps.Clear();
        }

        record.ReleasedBy = await requestedBy;
        var lease = await BeforeAnyChangeAsync(() => RecordLease.AcquireAsync(run.Apis.Records, time, settings.LeaseDuration, record, record, cancellationToken));
        Log.ReleaseStarted(run.Logger, instanceId, record.IncidentId);
        var context = NewContext(run, lease, instance);
        try
        {
            await RunStepsAsync(context, IsolationSteps.InOrder.Reverse().ToList(), record.ReleasedSteps, StepDirection.Restore, run.OnStep, cancellationToken);
            record.Status = IsolationStatus.Released;
            record.ReleasedAt = time.GetUtcNow();
            await FinishAsync(context, NoticeKind.Released, cancellationToken);
            Log.Released(run.Logger, instanceId);
        }
        finally
        {
            await SettleNoticesAsync(context, cancellationToken);
        }

        return new IsolationResult(IsolationOutcome.Released, record, $"{instanceId} is released; its original configuration is restored.");
    }

    /// <summary>
    /// An instance that shows no isolation is almost always isolated for the first time: its new record is claimed at
    /// once, without reading the table first. Null, with nothing changed, when a record exists.
    /// </summary>
    private async Task<RecordLease?> TryClaimNewAsync(
        Run run, IsolationRequest request, InstanceDescription instance, Task<string> requestedBy, CancellationToken cancellationToken)
    {
        var record = WithFinding(NewRecord(request, instance, earlier: null, await requestedBy), request);
        return await BeforeAnyChangeAsync(() => RecordLease.TryCreateAsync(run.Apis.Records, time, settings.LeaseDuration, record, cancellationToken));
    }

    /// <summary>Claims what the record read, <paramref name="current"/>, leaves to do: finish it, isolate again, or start a new isolation.</summary>
    private async Task<RecordLease> ClaimAsync(
        Run run, IsolationRequest request, IsolationRecord? current, InstanceDescription instance, Task<string> requestedBy, CancellationToken cancellationToken)
    {
        var record = current switch
        {
            { Status: IsolationStatus.Isolating or IsolationStatus.Isolated } resumed => Resume(resumed, instance, run.Logger),
            { Status: IsolationStatus.Releasing } releasing => Reisolate(releasing),
            _ => NewRecord(request, RequireNoIsolationWithoutRecord(instance), current, await requestedBy),
        };
        return await BeforeAnyChangeAsync(() => RecordLease.AcquireAsync(
            run.Apis.Records, time, settings.LeaseDuration, WithFinding(record, request), current, cancellationToken));
    }

    /// <summary>True when <paramref name="record"/>, or an isolation in its history, was asked for by <paramref name="findingId"/>.</summary>
    private static bool HandledBefore(IsolationRecord record, string findingId) =>
        record.History.Append(record).Any(r => r.FindingIds.Contains(findingId));

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

        return record;
    }

    /// <summary>A failure while the run only reads says so: the caller must know that nothing was changed.</summary>
    private static async Task<T> BeforeAnyChangeAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception e) when (e is not (InvalidRequestException or IsolationBusyException or OperationCanceledException))
        {
            throw new InvalidOperationException(e.Message + " Nothing was changed.", e);
        }
    }

    /// <summary>Every line a run logs carries the instance id (JSON logs show scopes as fields).</summary>
    private static IDisposable? InstanceScope(ILogger log, string instanceId) =>
        log.BeginScope(new Dictionary<string, object> { ["InstanceId"] = instanceId });

    private RunContext NewContext(Run run, RecordLease lease, InstanceDescription instance, Task<IReadOnlyList<SecurityGroupInfo>>? isolationGroups = null) => new()
    {
        Apis = run.Apis,
        Settings = settings,
        Time = time,
        Logger = run.Logger,
        Lease = lease,
        Instance = instance,
        IsolationGroups = isolationGroups ?? Task.FromResult<IReadOnlyList<SecurityGroupInfo>>([]),
        Notices = run.Notices,
    };

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

    private enum StepDirection
    {
        Apply,
        Restore,
    }

    private static async Task RunStepsAsync(
        RunContext context, IReadOnlyList<IIsolationStep> steps, List<string> done, StepDirection direction, Action<string>? onStep,
        CancellationToken cancellationToken)
    {
        foreach (var step in steps.Where(step => !done.Contains(step.Name)))
        {
            onStep?.Invoke(step.Name);
            try
            {
                await (direction == StepDirection.Apply
                    ? step.ApplyAsync(context, cancellationToken)
                    : step.RestoreAsync(context, cancellationToken));
                done.Add(step.Name);
                await context.SaveAsync(cancellationToken);
            }
            catch (Exception e) when (e is not IsolationBusyException)
            {
                done.Remove(step.Name);
                Log.StepFailed(context.Logger, e, step.Name, context.InstanceId, string.Join(", ", done));
                await RecordFailureAsync(context, step.Name, e);
                var message = FailureMessage(context.Record, step.Name, direction, e);
                context.Notices?.Notify(NoticeKind.Failed, context.Record, message);
                throw new IsolationFailedException(message, step.Name, e);
            }

            Log.StepCompleted(context.Logger, step.Name, context.InstanceId);
            if (direction == StepDirection.Apply && step.Name == StepNames.Network)
            {
                context.Notices?.Notify(NoticeKind.Started, context.Record);
            }
        }
    }

    /// <summary>Says what holds after a failure: whether the network is contained, and that a rerun finishes the job.</summary>
    private static string FailureMessage(IsolationRecord record, string step, StepDirection direction, Exception e)
    {
        var completed = direction == StepDirection.Apply ? record.CompletedSteps : record.ReleasedSteps;
        var done = completed.Count == 0 ? "none" : string.Join(", ", completed);
        return direction == StepDirection.Apply
            ? $"Isolation of {record.InstanceId} failed at step '{step}': {e.Message} Completed steps stay in force: {done}. "
              + (record.CompletedSteps.Contains(StepNames.Network) ? "The network is contained. " : "The network is NOT yet contained. ")
              + "Run isolate again to finish."
            : $"Release of {record.InstanceId} failed at step '{step}': {e.Message} Restored so far: {done}; the rest stays isolated. Run release again to finish.";
    }

    /// <summary>Records the failure and gives up the lease so that a rerun can start at once. Never undoes a step.</summary>
    private static async Task RecordFailureAsync(RunContext context, string step, Exception e)
    {
        context.Record.FailedStep = step;
        context.Record.LastError = e is OperationCanceledException ? "Cancelled before the step completed (deadline or interrupt)." : e.Message;
        try
        {
            // The run's token may be the one that was cancelled; the failure must still be written.
            await context.Lease.ReleaseAsync(CancellationToken.None);
        }
#pragma warning disable CA1031 // The original failure is what the caller must see; this one is logged.
        catch (Exception writeFailure)
#pragma warning restore CA1031
        {
            Log.FailureNotRecorded(context.Logger, writeFailure, context.InstanceId);
        }
    }

    /// <summary>
    /// At the end of a run, after its outcome is written: waits (bounded) for the run's notices and writes what became of
    /// them into the record. Never throws: the run's own outcome is what the caller must see.
    /// </summary>
    private static async Task SettleNoticesAsync(RunContext context, CancellationToken cancellationToken)
    {
        if (context.Notices is not { } notices)
        {
            return;
        }

        await notices.SettleAsync(context.Record, cancellationToken);
        try
        {
            await context.Lease.ReleaseAsync(CancellationToken.None);
        }
#pragma warning disable CA1031 // The run's outcome is recorded already; this write only adds the notices to it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            NotificationLog.NotRecorded(context.Logger, e, context.InstanceId);
        }
    }

    /// <summary>Writes the run's outcome, giving the lease up, then queues the notice of it.</summary>
    private static async Task FinishAsync(RunContext context, NoticeKind outcome, CancellationToken cancellationToken)
    {
        context.Record.FailedStep = null;
        context.Record.LastError = null;
        await context.Lease.ReleaseAsync(cancellationToken);
        context.Notices?.Notify(outcome, context.Record);
    }

    private static InstanceDescription RequireLiveInstance(InstanceDescription? instance, string instanceId) => instance switch
    {
        null => throw new InvalidRequestException($"Instance {instanceId} was not found in this account and region; nothing was changed."),
        { IsGone: true } => throw new InvalidRequestException($"Instance {instanceId} is {instance.State}; nothing was changed."),
        { VpcId: null } => throw new InvalidRequestException($"Instance {instanceId} is not in a VPC; nothing was changed."),
        _ => instance,
    };

    /// <summary>
    /// An instance that shows an isolation (an ENI in an isolation group, or the status tag) while the table holds no
    /// record of one in force (a record table replaced and not yet migrated, or a record deleted): a new record would
    /// take the isolated configuration for the original one, and a release would then restore the isolation. Fails,
    /// loudly and with nothing changed, until the record is back.
    /// </summary>
    private InstanceDescription RequireNoIsolationWithoutRecord(InstanceDescription instance)
    {
        var signs = InstanceState.IsolationSigns(instance, settings);
        return signs.Count == 0
            ? instance
            : throw new InvalidOperationException(
                $"{instance.InstanceId} shows an isolation ({string.Join("; ", signs)}), but table {settings.TableName} holds no record of one in force, "
                + "so its original configuration is not known here. If the stack moved to a new record table, copy the old one's records first "
                + "(ec2-isolation records migrate --from OLD_TABLE; docs/many-accounts.md); otherwise restore the instance by hand. Nothing was changed.");
    }

    /// <summary>
    /// True when an ENI of an instance whose network step completed is not in the quarantine group alone: one was
    /// attached, or its groups changed, since. The network step must then run again.
    /// </summary>
    private static bool NetworkDrifted(IsolationRecord record, InstanceDescription? instance) =>
        instance is { IsGone: false }
        && record.CompletedSteps.Contains(StepNames.Network)
        && instance.NetworkInterfaces.Any(eni => eni.GroupIds.Count != 1 || eni.GroupIds[0] != record.Artifacts.QuarantineGroupId);

    /// <summary>Finishes an isolation a failed run left, or re-contains an isolated instance whose network drifted.</summary>
    private static IsolationRecord Resume(IsolationRecord record, InstanceDescription instance, ILogger log)
    {
        if (NetworkDrifted(record, instance))
        {
            Log.NetworkDrifted(log, record.InstanceId);
            record.CompletedSteps.Remove(StepNames.Network);
        }

        record.Status = IsolationStatus.Isolating;
        return record;
    }

    /// <summary>An instance whose release died halfway is isolated again from the same original configuration.</summary>
    private static IsolationRecord Reisolate(IsolationRecord record)
    {
        record.Status = IsolationStatus.Isolating;
        record.CompletedSteps.Clear();
        record.ReleasedSteps.Clear();
        return record;
    }

    private IsolationRecord NewRecord(IsolationRequest request, InstanceDescription instance, IsolationRecord? earlier, string requestedBy)
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
            },
        };
    }

    private static string Partition(string region) =>
        region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn"
        : region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov"
        : "aws";
}
