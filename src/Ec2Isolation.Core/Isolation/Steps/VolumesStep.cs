namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>Keeps every EBS volume when the instance is terminated (DeleteOnTermination=false).</summary>
internal sealed class VolumesStep : IIsolationStep
{
    public string Name => StepNames.Volumes;

    public Task ApplyAsync(RunContext context, CancellationToken cancellationToken)
    {
        var deleted = context.Record.Original.Volumes.Where(volume => volume.DeleteOnTermination).ToList();
        return deleted.Count == 0
            ? Task.CompletedTask
            : context.Apis.Ec2.SetDeleteOnTerminationAsync(
                context.InstanceId, [.. deleted.Select(volume => volume with { DeleteOnTermination = false })], cancellationToken);
    }

    public Task RestoreAsync(RunContext context, CancellationToken cancellationToken)
    {
        var deleted = context.Record.Original.Volumes.Where(volume => volume.DeleteOnTermination).ToList();
        return deleted.Count == 0
            ? Task.CompletedTask
            : context.Apis.Ec2.SetDeleteOnTerminationAsync(context.InstanceId, deleted, cancellationToken);
    }
}
