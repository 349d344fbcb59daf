using System.Globalization;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Marks the instance as isolated, with the incident id, under keys distinct from the trigger tag so that they never
/// re-trigger the rule. Release removes them and the trigger tag itself, so that no sweep isolates the instance again.
/// </summary>
internal sealed class StatusTagsStep : IIsolationStep
{
    public string Name => StepNames.StatusTags;

    public Task ApplyAsync(RunContext context, CancellationToken cancellationToken)
    {
        var record = context.Record;
        var tags = new Dictionary<string, string>
        {
            [context.StatusTag(Status)] = "isolated",
            [context.StatusTag(Incident)] = record.IncidentId,
            [context.StatusTag(IsolatedAt)] = record.StartedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        };
        return context.Apis.Ec2.CreateTagsAsync(record.InstanceId, tags, cancellationToken);
    }

    public Task RestoreAsync(RunContext context, CancellationToken cancellationToken) =>
        context.Apis.Ec2.DeleteTagsAsync(
            context.InstanceId,
            [context.StatusTag(Status), context.StatusTag(Incident), context.StatusTag(IsolatedAt), context.Settings.TriggerTagKey],
            cancellationToken);

    private const string Status = "status";
    private const string Incident = "incident";
    private const string IsolatedAt = "isolated-at";
}
