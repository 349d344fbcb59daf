using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Events;

/// <summary>
/// The scheduled sweep of <see cref="IsolationEventProcessor"/>: tagged instances whose tag event was lost, and the
/// isolations in force (IsolationEventProcessor.SweepRecords.cs).
/// </summary>
public sealed partial class IsolationEventProcessor
{
    /// <summary>A sweep isolates this many instances at once: enough to be quick, few enough to stay under EC2's throttling.</summary>
    public const int SweepConcurrency = 4;

    /// <summary>
    /// A sweep lists this many accounts at once. EC2 throttles per account and region, so accounts in parallel do not
    /// compete for one bucket; the member roles are assumed in the deployment's account, well under STS's request rate.
    /// </summary>
    public const int SweepAccountConcurrency = 16;

    /// <summary>
    /// A sweep's result lists at most this many instances, those it changed or could not change first; the rest are
    /// counted only (<see cref="EventResult.Counts"/>), so that the result always fits Lambda's on-success destination
    /// (EventBridge refuses an entry over 256 KB: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html).
    /// </summary>
    public const int SweepListedInstances = 100;

    /// <summary>
    /// Isolates every instance carrying the trigger tag that is not isolated, in the deployment's own account and (central
    /// mode) every allow-listed member account, each through its own services; checks every isolation in force there
    /// (<see cref="IIsolationService.ReconcileAsync"/>: a gone instance's record closed, a drifted one contained again). An account that cannot be swept (its
    /// member role not assumable, say) does not stop the others; it fails the invocation at the end, as a failed isolation does.
    /// </summary>
    private async Task<EventResult> SweepAsync(AccountServices home, IsolationEvent sweep, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = SweepConcurrency, CancellationToken = cancellationToken };
        List<string> swept = [sweep.Account, .. await accounts.SweptMembersAsync(sweep.Account, cancellationToken)];
        if (settings.Accounts is { OrganizationScoped: false } central && central.AllowedAccounts.Contains(AccountSettings.AnyAccount) && swept.Count == 1)
        {
            LogMembersNotSwept(logger, sweep.Account);
        }

        var tagged = new List<(string AccountId, AccountServices Services, string InstanceId)>();
        var reached = new Dictionary<string, AccountServices>(StringComparer.Ordinal);
        var unswept = new List<(string AccountId, Exception Error)>();
        var inForce = RecordsInForceAsync(home, sweep, swept, cancellationToken);
        var accountOptions = new ParallelOptions { MaxDegreeOfParallelism = SweepAccountConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(swept, accountOptions, async (accountId, token) =>
        {
            try
            {
                var services = accountId == sweep.Account ? home : await accounts.ForAsync(accountId, sweep.Region, token);
                var ids = await services.Ec2.FindInstanceIdsByTagAsync(settings.TriggerTagKey, settings.TriggerTagValue, token);
                lock (tagged)
                {
                    tagged.AddRange(ids.Select(id => (accountId, services, id)));
                    reached[accountId] = services;
                }
            }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                LogAccountNotSwept(logger, accountId, e.Message);
                lock (unswept)
                {
                    unswept.Add((accountId, e));
                }
            }
        });

        // Every isolation in force not tagged (a tagged one is checked below), in an account whose instances were listed.
        var (records, recordsError) = await inForce;
        var taggedIds = tagged.Select(t => (t.AccountId, t.InstanceId)).ToHashSet();
        var untagged = records
            .Where(r => reached.ContainsKey(r.AccountId) && !taggedIds.Contains((r.AccountId, r.InstanceId)))
            .Select(r => (r.AccountId, Services: reached[r.AccountId], r.InstanceId, Tagged: false));

        var outcomes = new List<InstanceOutcome>();
        try
        {
            // Each tier's time-out: an unanswered approval request is contained or dropped, once. Then every decision
            // whose hand-off or handed-off invocation failed: an approval not yet acted on is isolated here.
            outcomes.AddRange(approvals is null ? [] : await approvals.ExpireAsync(cancellationToken));
            outcomes.AddRange(approvals is null ? [] : await approvals.FinishDecidedAsync(cancellationToken));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogApprovalsNotExpired(logger, e.Message);
            unswept.Add(("approval requests", e));
        }

        await Parallel.ForEachAsync(tagged.Select(t => (t.AccountId, t.Services, t.InstanceId, Tagged: true)).Concat(untagged), options, async (target, token) =>
        {
            var (accountId, services, instanceId, isTagged) = target;
            InstanceOutcome? outcome;
            try
            {
                outcome = !isTagged
                    ? await ReconcileAsync(services.Isolation, instanceId, sweep, token)
                    : (await services.Isolation.GetStatusAsync(instanceId, token) is { Status: IsolationStatus.Isolated }
                        ? await ReconcileAsync(services.Isolation, instanceId, sweep, token)
                        : null)
                      ?? await IsolateAsync(sweep, services.Isolation, new IsolationRequest(instanceId, "Sweep: tagged for isolation but not isolated", RequestedBy: "sweep " + sweep.EventId), token);
            }
            catch (IsolationFailedException e)
            {
                outcome = new InstanceOutcome(instanceId, Outcomes.Failed, e.Message) { Error = e.Message };
            }

            if (outcome is null)
            {
                return;
            }

            lock (outcomes)
            {
                outcomes.Add(outcome with { Account = accountId });
            }
        });

        // Last, once the containment is done: the tickets of a few pending requests that failed to open (never throws).
        if (approvals is not null)
        {
            await approvals.OpenLateTicketsAsync(cancellationToken);
        }

        var failed = outcomes.Where(o => o.Outcome == Outcomes.Failed).ToList();
        if (failed.Count > 0 || unswept.Count > 0 || recordsError is not null)
        {
            // Fail loudly: the function's error raises the alarm, each failed run left a record the next sweep completes,
            // and an account that could not be swept is swept again next time.
            var problems = unswept.OrderBy(u => u.AccountId, StringComparer.Ordinal).Select(u => $"account {u.AccountId} could not be swept: {u.Error.Message}")
                .Concat(recordsError is null ? [] : [$"the isolation records could not be listed, so no isolation in force was checked: {recordsError.Message}"])
                .Concat(failed.Select(o => $"{o.Account}/{o.InstanceId}: {o.Error}"));
            throw new IsolationFailedException(
                $"Sweep: {failed.Count} of {outcomes.Count} instances failed to isolate (or to close), {unswept.Count} account(s) could not be swept: "
                + string.Join(" | ", problems),
                "sweep",
                unswept.Count > 0 ? unswept[0].Error : recordsError ?? new InvalidOperationException(failed[0].Error));
        }

        var isolated = outcomes.Count(o => o.Outcome == Outcomes.Isolated);
        var closed = outcomes.Count(o => o.Outcome == Outcomes.Closed);
        LogSwept(logger, outcomes.Count, swept.Count, isolated, closed);
        var listed = outcomes
            .OrderBy(o => o.Outcome == Outcomes.AlreadyIsolated)
            .ThenBy(o => o.InstanceId, StringComparer.Ordinal)
            .ThenBy(o => o.Account, StringComparer.Ordinal)
            .Take(SweepListedInstances)
            .ToList();
        var unlisted = outcomes.Count - listed.Count;
        return Result(
            sweep,
            sweep.Kind,
            EventResult.Swept,
            $"{outcomes.Count} tagged or isolated instance(s) in {swept.Count} account(s), {isolated} isolated (or contained again) by this sweep"
                + (closed == 0 ? string.Empty : $", {closed} record(s) of instances that no longer exist closed (their network ACL denies removed)")
                + (unlisted == 0 ? "." : $"; {unlisted} more not listed, already isolated ones last (counts has every outcome)."),
            listed) with
        {
            Counts = outcomes.GroupBy(o => o.Outcome, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
        };
    }

    [LoggerMessage(2003, LogLevel.Information, "Sweep found {Tagged} tagged or isolated instance(s) in {Accounts} account(s), isolated {Isolated} and closed {Closed} record(s) of instances that no longer exist")]
    private static partial void LogSwept(ILogger logger, int tagged, int accounts, int isolated, int closed);

    [LoggerMessage(2004, LogLevel.Error, "Sweep could not sweep account {AccountId}: {Why}")]
    private static partial void LogAccountNotSwept(ILogger logger, string accountId, string why);

    [LoggerMessage(2007, LogLevel.Error, "Sweep could not apply the time-outs of approval requests: {Why}")]
    private static partial void LogApprovalsNotExpired(ILogger logger, string why);

    [LoggerMessage(2005, LogLevel.Warning, "Sweep covers account {AccountId} only: EC2ISOLATION_ALLOWED_ACCOUNTS=* names no member accounts to sweep (list them, or name the organization or its units)")]
    private static partial void LogMembersNotSwept(ILogger logger, string accountId);
}
