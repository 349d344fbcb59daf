using System.Globalization;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Crash-consistent snapshots of every EBS volume, tagged with the incident. A rerun finds the snapshots a failed run
/// made by their isolation tag instead of taking them twice. Release keeps them: they are evidence.
/// </summary>
internal sealed class SnapshotsStep : IIsolationStep
{
    public string Name => StepNames.Snapshots;

    public async Task ApplyAsync(RunContext context, CancellationToken cancellationToken)
    {
        if (!context.Settings.CreateSnapshots || context.Record.Original.Volumes.Count == 0)
        {
            return;
        }

        var ec2 = context.Apis.Ec2;
        var record = context.Record;
        var isolationTag = context.StatusTag("isolation");
        var isolationId = IsolationId(context);
        var snapshots = await ec2.FindSnapshotsAsync(isolationTag, isolationId, cancellationToken);
        if (snapshots.Count == 0)
        {
            var tags = new Dictionary<string, string>
            {
                [isolationTag] = isolationId,
                [context.StatusTag("incident")] = record.IncidentId,
                [context.StatusTag("instance-id")] = record.InstanceId,
            };
            snapshots = await ec2.CreateSnapshotsAsync(record.InstanceId, tags, cancellationToken);
        }

        record.Artifacts.SnapshotIds = [.. snapshots];
        Log.Snapshots(context.Logger, record.InstanceId, string.Join(", ", snapshots));
    }

    public Task RestoreAsync(RunContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Names this isolation of this instance, distinct from earlier isolations of it.</summary>
    private static string IsolationId(RunContext context) =>
        context.Record.InstanceId + "@" + context.Record.StartedAt.UtcDateTime.ToString("yyyyMMddTHHmmssZ", CultureInfo.InvariantCulture);
}
