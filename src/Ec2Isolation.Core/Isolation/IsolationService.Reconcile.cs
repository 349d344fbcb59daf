using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Isolation;

/// <summary>
/// The sweep's check of an isolation in force (<see cref="IIsolationService.ReconcileAsync"/>), and the closing of a
/// record whose instance no longer exists, which a release of such an instance does too.
/// </summary>
public sealed partial class IsolationService
{
    public Task<IsolationResult> ReconcileAsync(string instanceId, string requestedBy, CancellationToken cancellationToken) =>
        ReconcileAsync(new Run(apis, logger, OnStep: null, Notices()), instanceId, requestedBy, cancellationToken);

    private async Task<IsolationResult> ReconcileAsync(Run run, string instanceId, string requestedBy, CancellationToken cancellationToken)
    {
        var id = InstanceIds.Validate(instanceId);
        using var scope = InstanceScope(run.Logger, id);
        var state = await BeforeAnyChangeAsync(() => InstanceState.ResolveAsync(run.Apis, id, settings, forIsolation: false, cancellationToken));
        var record = state.Record ?? throw new InvalidRequestException($"{id} has no isolation record; there is nothing to check.");
        if (record.Status == IsolationStatus.Released)
        {
            return new IsolationResult(IsolationOutcome.AlreadyReleased, record, $"{id} is released; nothing changed.");
        }

        if (GoneForGood(state.Instance) is { } gone)
        {
            return await CloseGoneAsync(run, record, gone, requestedBy, cancellationToken);
        }

        if (record.Status != IsolationStatus.Isolated || state.Instance is not { IsGone: false } instance)
        {
            return new IsolationResult(IsolationOutcome.Unfinished, record,
                $"{id} is {state.Instance?.State ?? "not described"} with its record {record.Status}: a rerun (or, once it is terminated, the next sweep) finishes it; nothing changed.");
        }

        var missing = settings.CutTrackedPaths
            ? await BeforeAnyChangeAsync(() => NetworkAclDenies.FindMissingAsync(run.Apis.Ec2, record, cancellationToken))
            : [];
        var drifted = NetworkDrifted(record, instance);
        var added = StepsAddedSince(record);
        if (missing.Count == 0 && !drifted && added.Count == 0)
        {
            return new IsolationResult(IsolationOutcome.AlreadyIsolated, record, $"{id} is already isolated (incident {record.IncidentId}); nothing changed.");
        }

        if (missing.Count > 0)
        {
            TrackedPathLog.DeniesMissing(run.Logger, missing.Count, id, string.Join("; ", missing.Select(Describe)));
        }

        // The engine's own path, under the record's lease: a drifted network is contained again (and the new ENI's
        // addresses cut), the ACL step is run again for the denies someone removed, and the steps the engine gained since
        // the record was isolated are run.
        List<string> redo = missing.Count > 0 ? [StepNames.NetworkAclCut, .. added] : added;
        var result = await IsolateAsync(run, new IsolationRequest(id, RequestedBy: requestedBy, Redo: redo.Count > 0 ? redo : null), cancellationToken);
        if (result.Outcome != IsolationOutcome.Isolated)
        {
            return result;
        }

        var what = new List<string>();
        if (drifted)
        {
            what.Add("an ENI was no longer in the quarantine group alone (attached or changed since), and is again, its addresses cut");
        }

        if (missing.Count > 0)
        {
            what.Add($"{missing.Count} network ACL deny entries no longer in force (removed, or overtaken by an allow entry added ahead) were put back: "
                + string.Join("; ", missing.Select(Describe)));
        }

        if (added.Count > 0)
        {
            what.Add($"the steps the engine gained since it was isolated were run ({string.Join(", ", added)})");
        }

        return result with { Message = $"{id} was contained again: {string.Join("; and ", what)}." };
    }

    /// <summary>
    /// The steps that close a path to the instance which the engine gained after <paramref name="record"/> was isolated:
    /// an instance isolated before the engine reached Classic Load Balancers still receives their traffic until the sweep
    /// runs the step. Only such steps: the sweep does not add evidence steps (a stop, say) to an isolation in force.
    /// </summary>
    private static List<string> StepsAddedSince(IsolationRecord record) =>
        [.. PathClosingStepsAddedLater.Where(step => !record.CompletedSteps.Contains(step))];

    private static readonly string[] PathClosingStepsAddedLater = [StepNames.ClassicLoadBalancers];

    /// <summary>
    /// Closes the record of an instance that no longer exists: removes the network ACL denies of its addresses (EC2
    /// gives them to the next instance, which a stale deny would cut off), records what was removed, and ends the record
    /// released. Nothing else is undone: the snapshots and the quarantine groups stay. A failed removal fails loudly and
    /// leaves the record as it was, the entries still listed: the next sweep or a release removes them.
    /// </summary>
    private async Task<IsolationResult> CloseGoneAsync(Run run, IsolationRecord record, string instanceState, string closedBy, CancellationToken cancellationToken)
    {
        var id = record.InstanceId;
        var lease = await BeforeAnyChangeAsync(() => RecordLease.AcquireAsync(run.Apis.Records, time, LeaseTerm, record, record, cancellationToken));
        IReadOnlyList<NetworkAclDeny> removed;
        try
        {
            removed = await NetworkAclDenies.RemoveAsync(run.Apis.Ec2, record, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            record.FailedStep = StepNames.NetworkAclCut;
            record.LastError = e.Message;
            await lease.ReleaseAsync(CancellationToken.None);
            throw new IsolationFailedException(
                $"{id} no longer exists ({instanceState}), but removing the network ACL denies of its addresses failed: {e.Message} "
                + "They stay recorded; the next sweep, or a release, removes them.",
                StepNames.NetworkAclCut,
                e);
        }

        var now = time.GetUtcNow();
        record.InstanceGone = new InstanceGone { ClosedAt = now, InstanceState = instanceState, RemovedNetworkAclDenies = [.. removed] };
        record.Status = IsolationStatus.Released;
        record.ReleasedAt = now;
        record.ReleasedBy = closedBy;
        record.NotRestored.Add($"{id} itself: it is {instanceState}, so nothing of it can be restored; its snapshots and the quarantine groups stay.");
        record.FailedStep = null;
        record.LastError = null;
        record.FailedSteps.Clear();
        await lease.ReleaseAsync(cancellationToken);
        TrackedPathLog.ClosedInstanceGone(run.Logger, id, instanceState, removed.Count);
        return new IsolationResult(IsolationOutcome.InstanceGone, record,
            $"{id} no longer exists ({instanceState}): its record is closed, the {removed.Count} network ACL deny entries of its addresses removed "
            + "so that no instance given them later is cut off; its snapshots stay.");
    }

    /// <summary>What EC2 says of an instance that will never run again ("terminated", or "not found" once EC2 no longer describes it); null otherwise.</summary>
    /// <remarks>
    /// Not "shutting-down": its addresses are not free yet. A terminated instance stays described for about an hour
    /// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/terminating-instances.html); a record exists only for an instance EC2 described.
    /// </remarks>
    private static string? GoneForGood(InstanceDescription? instance) => instance switch
    {
        null => "not found",
        { State: "terminated" } => "terminated",
        _ => null,
    };

    private static string Describe(NetworkAclDeny entry) =>
        $"{entry.NetworkAclId} rule {entry.RuleNumber} {(entry.Egress ? "egress" : "ingress")} deny {entry.Cidr}";
}
