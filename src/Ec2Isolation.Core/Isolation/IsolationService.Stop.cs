using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Isolation;

/// <summary>The stop after evidence (<c>ec2-isolation stop</c>): an isolated instance only, under the record's lease.</summary>
public sealed partial class IsolationService
{
    public async Task<StopResult> StopAsync(StopRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var instanceId = InstanceIds.Validate(request.InstanceId);
        using var scope = InstanceScope(logger, instanceId);
        var requestedBy = request.RequestedBy ?? await BeforeAnyChangeAsync(() => caller.GetCallerArnAsync(cancellationToken));
        var state = await BeforeAnyChangeAsync(() => InstanceState.ResolveAsync(apis, instanceId, settings, forIsolation: false, cancellationToken));
        var record = state.Record switch
        {
            null => throw new InvalidRequestException($"{instanceId} has no isolation record: isolate it before stopping it; nothing was changed."),
            { Status: IsolationStatus.Isolated } isolated => isolated,
            var other => throw new InvalidRequestException(
                $"{instanceId} is {other.Status}, not isolated: only an isolated instance is stopped (run isolate again to finish an isolation); nothing was changed."),
        };
        var instance = RequireLiveInstance(state.Instance, instanceId);
        var lease = await BeforeAnyChangeAsync(() => RecordLease.AcquireAsync(apis.Records, time, LeaseTerm, record, record, cancellationToken));
        var context = NewContext(new Run(apis, logger, OnStep: null), lease, instance);
        try
        {
            var (stopped, stop) = await EvidenceStop.StopAsync(context, requestedBy, request.Force, cancellationToken);
            await lease.ReleaseAsync(cancellationToken);
            return stopped
                ? new StopResult(StopOutcome.Stopped, instanceId,
                    $"Stopping {instanceId}: its memory is lost; its volumes and snapshots are kept. "
                    + (stop.Forced ? $"Forced: not completed at the stop: {string.Join(", ", stop.IncompleteSnapshots)}. " : "Every snapshot had completed. ")
                    + "Release starts it again.",
                    stop)
                : new StopResult(StopOutcome.AlreadyStopped, instanceId, $"{instanceId} is {instance.State} already; nothing was changed.", stop);
        }
        catch
        {
            await GiveUpAsync(lease);
            throw;
        }
    }

    /// <summary>Gives the record up after a failed stop so that it never holds up a release; the stop's own failure is what the caller sees.</summary>
    private async Task GiveUpAsync(RecordLease lease)
    {
        try
        {
            await lease.ReleaseAsync(CancellationToken.None);
        }
#pragma warning disable CA1031 // The stop's failure is what the caller must see; this one is logged.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.FailureNotRecorded(logger, e, lease.Record.InstanceId);
        }
    }
}
