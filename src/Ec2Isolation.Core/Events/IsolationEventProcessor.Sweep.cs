using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Events;

/// <summary>The scheduled sweep of <see cref="IsolationEventProcessor"/>: tagged instances whose tag event was lost.</summary>
public sealed partial class IsolationEventProcessor
{
    /// <summary>A sweep isolates this many instances at once: enough to be quick, few enough to stay under EC2's throttling.</summary>
    public const int SweepConcurrency = 4;

    /// <summary>
    /// Isolates every instance carrying the trigger tag that is not isolated, in the deployment's own account and (central
    /// mode) every allow-listed member account, each through its own services. An account that cannot be swept (its
    /// member role not assumable, say) does not stop the others; it fails the invocation at the end, as a failed isolation does.
    /// </summary>
    private async Task<EventResult> SweepAsync(AccountServices home, IsolationEvent sweep, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = SweepConcurrency, CancellationToken = cancellationToken };
        var swept = SweptAccounts(sweep.Account);
        var tagged = new List<(string AccountId, AccountServices Services, string InstanceId)>();
        var unswept = new List<(string AccountId, Exception Error)>();
        await Parallel.ForEachAsync(swept, options, async (accountId, token) =>
        {
            try
            {
                var services = accountId == sweep.Account ? home : await accounts.ForAsync(accountId, sweep.Region, token);
                var ids = await services.Ec2.FindInstanceIdsByTagAsync(settings.TriggerTagKey, settings.TriggerTagValue, token);
                lock (tagged)
                {
                    tagged.AddRange(ids.Select(id => (accountId, services, id)));
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

        var outcomes = new List<InstanceOutcome>();
        await Parallel.ForEachAsync(tagged, options, async (target, token) =>
        {
            var (accountId, services, instanceId) = target;
            InstanceOutcome outcome;
            try
            {
                outcome = await services.Isolation.GetStatusAsync(instanceId, token) is { Status: IsolationStatus.Isolated } record
                    ? InstanceOutcome.FromRecord(Outcomes.AlreadyIsolated, record, $"{instanceId} was already isolated; nothing changed.")
                    : await IsolateAsync(services.Isolation, new IsolationRequest(instanceId, "Sweep: tagged for isolation but not isolated", RequestedBy: "sweep " + sweep.EventId), token);
            }
            catch (IsolationFailedException e)
            {
                outcome = new InstanceOutcome(instanceId, Outcomes.Failed, e.Message) { Error = e.Message };
            }

            lock (outcomes)
            {
                outcomes.Add(outcome with { Account = accountId });
            }
        });

        var failed = outcomes.Where(o => o.Outcome == Outcomes.Failed).ToList();
        if (failed.Count > 0 || unswept.Count > 0)
        {
            // Fail loudly: the function's error raises the alarm, each failed run left a record the next sweep completes,
            // and an account that could not be swept is swept again next time.
            var problems = unswept.OrderBy(u => u.AccountId, StringComparer.Ordinal).Select(u => $"account {u.AccountId} could not be swept: {u.Error.Message}")
                .Concat(failed.Select(o => $"{o.Account}/{o.InstanceId}: {o.Error}"));
            throw new IsolationFailedException(
                $"Sweep: {failed.Count} of {outcomes.Count} tagged instances failed to isolate, {unswept.Count} account(s) could not be swept: "
                + string.Join(" | ", problems),
                "sweep",
                unswept.Count > 0 ? unswept[0].Error : new InvalidOperationException(failed[0].Error));
        }

        var isolated = outcomes.Count(o => o.Outcome == Outcomes.Isolated);
        LogSwept(logger, outcomes.Count, swept.Count, isolated);
        return Result(sweep, sweep.Kind, EventResult.Swept, $"{outcomes.Count} tagged instance(s) in {swept.Count} account(s), {isolated} isolated by this sweep.",
            [.. outcomes.OrderBy(o => o.InstanceId, StringComparer.Ordinal).ThenBy(o => o.Account, StringComparer.Ordinal)]);
    }

    /// <summary>
    /// The accounts a sweep visits: its own, and in central mode the allow-listed members. With
    /// <see cref="AccountSettings.AnyAccount"/> the members are not known (no Organizations lookup), so only its own.
    /// </summary>
    private List<string> SweptAccounts(string own)
    {
        if (settings.Accounts is not { } central)
        {
            return [own];
        }

        if (central.AllowedAccounts.Contains(AccountSettings.AnyAccount))
        {
            LogMembersNotSwept(logger, own);
        }

        return [own, .. central.AllowedAccounts.Where(a => a != AccountSettings.AnyAccount && a != own).Order(StringComparer.Ordinal)];
    }

    [LoggerMessage(2003, LogLevel.Information, "Sweep found {Tagged} tagged instance(s) in {Accounts} account(s) and isolated {Isolated}")]
    private static partial void LogSwept(ILogger logger, int tagged, int accounts, int isolated);

    [LoggerMessage(2004, LogLevel.Error, "Sweep could not sweep account {AccountId}: {Why}")]
    private static partial void LogAccountNotSwept(ILogger logger, string accountId, string why);

    [LoggerMessage(2005, LogLevel.Warning, "Sweep covers account {AccountId} only: EC2ISOLATION_ALLOWED_ACCOUNTS=* names no member accounts to sweep (list them to sweep them)")]
    private static partial void LogMembersNotSwept(ILogger logger, string accountId);
}
