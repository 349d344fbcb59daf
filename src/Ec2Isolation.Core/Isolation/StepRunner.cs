using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Notifications;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation;

/// <summary>
/// Runs a run's steps, recording each as it completes or fails, and ends the run: writes its outcome, or its failure,
/// giving the lease up. An isolation contains the network first and stops when that fails (fail closed); after it,
/// every step runs whatever another's failure, so that a refused credential revocation or a throttled read never
/// costs the evidence the other steps protect. A release stops at its first failure: what is not yet restored stays
/// isolated, the network last of all. Nothing is ever undone on error.
/// </summary>
internal static class StepRunner
{
    /// <param name="deferral">
    /// Set when the run can hand steps to the continuation queue: once the network is contained, an EC2 evidence step
    /// (<see cref="IsolationSteps.Deferrable"/>) that EC2 throttles gives way (at once, or from the deferral's yield point
    /// on), and it and the EC2 evidence steps after it are recorded as deferred (<see cref="IsolationRecord.DeferredSteps"/>);
    /// the steps on other services still run. Null: throttling is waited out.
    /// </param>
    /// <returns>True when steps were deferred: the caller queues their continuation.</returns>
    public static async Task<bool> ApplyAsync(
        RunContext context, IReadOnlyList<IIsolationStep> steps, Action<string>? onStep, Deferral? deferral, CancellationToken cancellationToken)
    {
        var record = context.Record;
        record.DeferredSteps.Clear();
        (string Step, Exception Error)? first = null;
        foreach (var step in steps.Where(step => !record.CompletedSteps.Contains(step.Name)))
        {
            var yields = deferral is not null && IsolationSteps.Deferrable.Contains(step.Name) && record.CompletedSteps.Contains(StepNames.Network);
            if (yields && record.DeferredSteps.Count > 0)
            {
                // EC2 throttles already: its evidence steps wait for the continuation rather than for tokens here.
                record.DeferredSteps.Add(step.Name);
                continue;
            }

            var failure = yields
                ? await DeferOnThrottlingAsync(context, step, deferral!.YieldAfter, onStep, cancellationToken)
                : await RunStepAsync(context, step, apply: true, onStep, cancellationToken);
            if (failure is not null)
            {
                first ??= (step.Name, failure);
                // Without a contained network, or without a run that can still act and record, nothing else may go on.
                if (!record.CompletedSteps.Contains(StepNames.Network) || failure is OperationCanceledException || !await TrySaveAsync(context))
                {
                    throw await FailAsync(context, step.Name, failure, apply: true);
                }

                continue;
            }

            if (step.Name == StepNames.Network)
            {
                context.Notices?.Notify(NoticeKind.Started, context.Record);
            }
        }

        if (first is { } failed)
        {
            throw await FailAsync(context, failed.Step, failed.Error, apply: true);
        }

        return record.DeferredSteps.Count > 0;
    }

    /// <summary>
    /// Runs a deferrable step with throttled EC2 calls giving way (<see cref="Ec2Throttling"/>); a throttled step is
    /// recorded as deferred, not failed, and returns no failure.
    /// </summary>
    private static async Task<Exception?> DeferOnThrottlingAsync(
        RunContext context, IIsolationStep step, DateTimeOffset? yieldAfter, Action<string>? onStep, CancellationToken cancellationToken)
    {
        Exception? failure = null;
        await Ec2Throttling.YieldScope(async () => failure = await RunStepAsync(context, step, apply: true, onStep, cancellationToken), yieldAfter);
        if (Throttled(failure) is not { } throttled)
        {
            return failure;
        }

        context.Record.FailedSteps.Remove(step.Name);
        context.Record.DeferredSteps.Add(step.Name);
        Log.StepDeferred(context.Logger, step.Name, context.InstanceId, throttled.Action);
        return null;
    }

    private static Ec2ThrottledException? Throttled(Exception? failure) => failure switch
    {
        null => null,
        Ec2ThrottledException throttled => throttled,
        _ => Throttled(failure.InnerException),
    };

    /// <summary>
    /// Ends a run that deferred steps: writes the record (still isolating, its deferred steps named) giving the lease up,
    /// then queues the continuation, which finds the record free. A refused enqueue fails the run loudly: the network
    /// stays contained, and a rerun of the event (Lambda's retry) or the sweep finishes the deferred steps.
    /// </summary>
    public static async Task DeferAsync(RunContext context, IContinuationScheduler queue, string region, int generation, CancellationToken cancellationToken)
    {
        var record = context.Record;
        await context.Lease.ReleaseAsync(cancellationToken);
        try
        {
            await queue.ScheduleAsync(new Continuation(record.InstanceId, record.AccountId, region, record.IncidentId, generation), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var message = $"Isolation of {record.InstanceId} is incomplete: EC2 throttled its {string.Join(", ", record.DeferredSteps)} steps and "
                + $"their continuation could not be queued: {e.Message} The network is contained. Run isolate again to finish.";
            throw new IsolationFailedException(message, record.DeferredSteps[0], e)
            {
                Result = new IsolationResult(IsolationOutcome.Incomplete, record, message),
            };
        }

        Log.Deferred(context.Logger, context.InstanceId, string.Join(", ", record.DeferredSteps));
    }

    public static async Task RestoreAsync(RunContext context, IReadOnlyList<IIsolationStep> steps, Action<string>? onStep, CancellationToken cancellationToken)
    {
        foreach (var step in steps.Where(step => !context.Record.ReleasedSteps.Contains(step.Name)))
        {
            if (await RunStepAsync(context, step, apply: false, onStep, cancellationToken) is { } failure)
            {
                throw await FailAsync(context, step.Name, failure, apply: false);
            }
        }
    }

    /// <summary>Applies or restores one step and records it; its failure, recorded in memory, is returned, not thrown.</summary>
    private static async Task<Exception?> RunStepAsync(RunContext context, IIsolationStep step, bool apply, Action<string>? onStep, CancellationToken cancellationToken)
    {
        var done = apply ? context.Record.CompletedSteps : context.Record.ReleasedSteps;
        onStep?.Invoke(step.Name);
        try
        {
            await (apply ? step.ApplyAsync(context, cancellationToken) : step.RestoreAsync(context, cancellationToken));
            done.Add(step.Name);
            if (apply && step.Name == StepNames.Network)
            {
                // In the same write as the step: the time-to-containment metric reads it, at no extra call.
                context.Record.NetworkContainedAt = context.Time.GetUtcNow();
            }

            context.Record.FailedSteps.Remove(step.Name);
            await context.SaveAsync(cancellationToken);
        }
        catch (Exception e) when (e is not IsolationBusyException)
        {
            done.Remove(step.Name);
            context.Record.FailedSteps[step.Name] = ErrorText(e);
            Log.StepFailed(context.Logger, e, step.Name, context.InstanceId, string.Join(", ", done));
            return e;
        }

        Log.StepCompleted(context.Logger, step.Name, context.InstanceId);
        return null;
    }

    /// <summary>Keeps the record of a failed step, renewing the lease; false when it cannot be written (the run must stop).</summary>
    private static async Task<bool> TrySaveAsync(RunContext context)
    {
        try
        {
            // The run's token may be the one that was cancelled; the failure must still be written.
            await context.SaveAsync(CancellationToken.None);
            return true;
        }
#pragma warning disable CA1031 // FailAsync tries the write once more and logs its failure.
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    /// <summary>Records the failure, gives the lease up so that a rerun can start at once, and says what holds. Never undoes a step.</summary>
    private static async Task<IsolationFailedException> FailAsync(RunContext context, string step, Exception e, bool apply)
    {
        var record = context.Record;
        record.FailedStep = step;
        record.LastError = record.FailedSteps.GetValueOrDefault(step) ?? ErrorText(e);
        try
        {
            await context.Lease.ReleaseAsync(CancellationToken.None);
        }
#pragma warning disable CA1031 // The original failure is what the caller must see; this one is logged.
        catch (Exception writeFailure)
#pragma warning restore CA1031
        {
            Log.FailureNotRecorded(context.Logger, writeFailure, context.InstanceId);
        }

        var message = apply ? IsolationFailureMessage(record) : ReleaseFailureMessage(record, step, e);
        context.Notices?.Notify(NoticeKind.Failed, record, message);
        return new IsolationFailedException(message, step, e)
        {
            FailedSteps = new Dictionary<string, string>(record.FailedSteps),
            Result = apply && record.CompletedSteps.Contains(StepNames.Network)
                ? new IsolationResult(IsolationOutcome.Incomplete, record, message)
                : null,
        };
    }

    /// <summary>Says what holds after a failure: which steps failed, which hold, whether the network is contained, and that a rerun retries.</summary>
    private static string IsolationFailureMessage(IsolationRecord record)
    {
        var failed = string.Join("; ", record.FailedSteps.Select(f => $"'{f.Key}' failed: {f.Value}"));
        var done = record.CompletedSteps.Count == 0 ? "none" : string.Join(", ", record.CompletedSteps);
        return record.CompletedSteps.Contains(StepNames.Network)
            ? $"Isolation of {record.InstanceId} is incomplete: {failed} These hold: {done}. The network is contained. "
              + "Run isolate again to retry what failed."
            : $"Isolation of {record.InstanceId} failed: {failed} Completed steps stay in force: {done}. The network is NOT yet contained. "
              + "Run isolate again to finish.";
    }

    private static string ReleaseFailureMessage(IsolationRecord record, string step, Exception e)
    {
        var done = record.ReleasedSteps.Count == 0 ? "none" : string.Join(", ", record.ReleasedSteps);
        return $"Release of {record.InstanceId} failed at step '{step}': {e.Message} Restored so far: {done}; the rest stays isolated. Run release again to finish.";
    }

    private static string ErrorText(Exception e) =>
        e is OperationCanceledException ? "Cancelled before the step completed (deadline or interrupt)." : e.Message;

    /// <summary>
    /// At the end of a run, after its outcome is written: waits (bounded) for the run's notices and writes what became of
    /// them into the record. Never throws: the run's own outcome is what the caller must see.
    /// </summary>
    public static async Task SettleNoticesAsync(RunContext context, CancellationToken cancellationToken)
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
    public static async Task FinishAsync(RunContext context, NoticeKind outcome, CancellationToken cancellationToken)
    {
        context.Record.FailedStep = null;
        context.Record.LastError = null;
        context.Record.FailedSteps.Clear();
        await context.Lease.ReleaseAsync(cancellationToken);
        context.Notices?.Notify(outcome, context.Record);
    }
}

/// <summary>
/// How a run may defer its throttled EC2 evidence steps: from <paramref name="YieldAfter"/> on (null: at once, as the run
/// an event starts does, so that its concurrency slot goes to the next network cut).
/// </summary>
internal sealed record Deferral(DateTimeOffset? YieldAfter);
