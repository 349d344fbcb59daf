using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Isolation;

/// <summary>The release: the steps restored in reverse order, the network last.</summary>
public sealed partial class IsolationService
{
    private async Task<IsolationResult> ReleaseAsync(Run run, ReleaseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var instanceId = InstanceIds.Validate(request.InstanceId);
        var restoreGroups = request.RestoreGroups is { } named ? InstanceIds.ValidateSecurityGroupIds(named) : null;
        using var scope = InstanceScope(run.Logger, instanceId);
        var requestedBy = request.RequestedBy is null ? caller.GetCallerArnAsync(cancellationToken) : Task.FromResult(request.RequestedBy);
        var state = await BeforeAnyChangeAsync(() => InstanceState.ResolveAsync(run.Apis, instanceId, settings, forIsolation: false, cancellationToken));
        var record = state.Record ?? throw new InvalidRequestException($"{instanceId} has no isolation record; there is nothing to release.");
        if (record.Status == IsolationStatus.Released)
        {
            Log.AlreadyReleased(run.Logger, instanceId);
            return new IsolationResult(IsolationOutcome.AlreadyReleased, record, $"{instanceId} is already released; nothing changed.");
        }

        if (GoneForGood(state.Instance) is { } gone)
        {
            return await CloseGoneAsync(run, record, gone, await requestedBy, cancellationToken);
        }

        if (record.Original.NetworkUnknown && restoreGroups is null)
        {
            throw new RestoreGroupsRequiredException(
                $"{instanceId} was found in isolation groups without a record of its isolation, so its original security groups are not known: "
                + "name the groups to restore (release --restore-groups sg-...,sg-...; they must belong to the network interface's VPC). Nothing was changed.");
        }

        var instance = RequireLiveInstance(state.Instance, instanceId);
        if (record.Status != IsolationStatus.Releasing)
        {
            record.Status = IsolationStatus.Releasing;
            record.ReleasedSteps.Clear();
            record.FailedSteps.Clear();
            record.NotRestored.Clear();
        }

        record.ReleasedBy = await requestedBy;
        var lease = await BeforeAnyChangeAsync(() => RecordLease.AcquireAsync(run.Apis.Records, time, LeaseTerm, record, record, cancellationToken));
        Log.ReleaseStarted(run.Logger, instanceId, record.IncidentId);
        var context = NewContext(run, lease, instance);
        context.RestoreGroups = restoreGroups;
        try
        {
            await StepRunner.RestoreAsync(context, [.. IsolationSteps.InOrder.Reverse()], run.OnStep, cancellationToken);
            record.Status = IsolationStatus.Released;
            record.ReleasedAt = time.GetUtcNow();
            await StepRunner.FinishAsync(context, NoticeKind.Released, cancellationToken);
            Log.Released(run.Logger, instanceId);
        }
        finally
        {
            await StepRunner.SettleNoticesAsync(context, cancellationToken);
        }

        return record.NotRestored.Count == 0
            ? new IsolationResult(IsolationOutcome.Released, record, $"{instanceId} is released; its original configuration is restored.")
            : new IsolationResult(
                IsolationOutcome.Released,
                record,
                $"{instanceId} is released; what still exists is restored, but not: {string.Join(" ", record.NotRestored)}");
    }
}
