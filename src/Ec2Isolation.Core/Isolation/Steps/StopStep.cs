namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Optional and last (<see cref="Configuration.IsolationSettings.StopAfterSnapshots"/>): stops the instance once its
/// snapshots have completed (<see cref="EvidenceStop"/>). While one is pending the step fails, saying so, and the next run
/// (a rerun, the sweep) tries again: it never stops before the evidence is taken. Release starts the instance again if it
/// was running before the stop, whoever stopped it (this step or <c>ec2-isolation stop</c>).
/// </summary>
internal sealed class StopStep : IIsolationStep
{
    public string Name => StepNames.StopAfterSnapshots;

    public async Task ApplyAsync(RunContext context, CancellationToken cancellationToken)
    {
        if (context.Settings.StopAfterSnapshots)
        {
            await EvidenceStop.StopAsync(context, context.Record.RequestedBy, force: false, cancellationToken);
        }
    }

    public async Task RestoreAsync(RunContext context, CancellationToken cancellationToken)
    {
        if (context.Record.Stop is not { StateBefore: InstanceCapabilities.Running, StartedAgainAt: null } stop)
        {
            return;
        }

        var instanceId = context.InstanceId;
        await StateSettling.RetryAsync(context.Time, async _ =>
        {
            // Stopping: StartInstances answers IncorrectInstanceState until it is stopped, which the settling retry waits out.
            if ((await context.Apis.Ec2.DescribeInstanceAsync(instanceId, cancellationToken))?.State is "stopped" or "stopping")
            {
                await context.Apis.Ec2.StartInstanceAsync(instanceId, cancellationToken);
            }
        }, cancellationToken);
        stop.StartedAgainAt = context.Time.GetUtcNow();
        AfterContainmentLog.StartedAgain(context.Logger, instanceId);
    }
}
