using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Events;

/// <summary>
/// The sweep's look at the isolations in force, tagged or not (<see cref="IIsolationService.ReconcileAsync"/>): the record
/// of an instance that no longer exists is closed, its network ACL denies removed, so that no future instance given its
/// addresses is cut off; an isolated instance whose network drifted or whose denies someone removed is contained again.
/// </summary>
public sealed partial class IsolationEventProcessor
{
    /// <summary>
    /// The records in force (isolating, isolated, releasing) of the swept accounts in the sweep's region, listed once:
    /// one table holds every account's records. A failed listing is returned, for the sweep to fail loudly at its end.
    /// </summary>
    private async Task<(IReadOnlyList<IsolationRecord> Records, Exception? Error)> RecordsInForceAsync(
        AccountServices home, IsolationEvent sweep, IReadOnlyCollection<string> accountIds, CancellationToken cancellationToken)
    {
        try
        {
            var records = await home.Isolation.ListAsync(cancellationToken);
            return ([.. records.Where(r => r.Status != IsolationStatus.Released && r.Region == sweep.Region && accountIds.Contains(r.AccountId))], null);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogRecordsNotListed(logger, e.Message);
            return ([], e);
        }
    }

    /// <summary>
    /// The sweep's check of one isolation in force; null when it has nothing to report (a live instance whose run is
    /// unfinished, a record released or deleted meanwhile). A failure is thrown, as a failed isolation is.
    /// </summary>
    private async Task<InstanceOutcome?> ReconcileAsync(IIsolationService isolation, string instanceId, IsolationEvent sweep, CancellationToken cancellationToken)
    {
        try
        {
            var result = await isolation.ReconcileAsync(instanceId, "sweep " + sweep.EventId, cancellationToken);
            var outcome = result.Outcome switch
            {
                IsolationOutcome.InstanceGone => Outcomes.Closed,
                IsolationOutcome.Isolated => Outcomes.Isolated,
                IsolationOutcome.AlreadyIsolated => Outcomes.AlreadyIsolated,
                _ => null,
            };
            return outcome is null ? null : InstanceOutcome.FromRecord(outcome, result.Record, result.Message);
        }
        catch (IsolationBusyException e)
        {
            LogBusy(logger, instanceId);
            return new InstanceOutcome(instanceId, Outcomes.Busy, $"{instanceId} is held by another run; nothing changed by this sweep.") { Error = e.Message };
        }
        catch (InvalidRequestException)
        {
            return null;
        }
    }

    [LoggerMessage(2016, LogLevel.Error, "Sweep could not list the isolation records, so it checked no isolation in force (terminated instances' network ACL denies, drifted networks): {Why}")]
    private static partial void LogRecordsNotListed(ILogger logger, string why);
}
