using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Keeps every EBS volume when the instance is terminated (DeleteOnTermination=false). A pending or stopping instance,
/// whose attributes EC2 does not change, is waited for (<see cref="StateSettling"/>).
/// </summary>
internal sealed class VolumesStep : IIsolationStep
{
    public string Name => StepNames.Volumes;

    public Task ApplyAsync(RunContext context, CancellationToken cancellationToken) =>
        SetAsync(context, [.. DeletedOnTermination(context).Select(volume => volume with { DeleteOnTermination = false })], cancellationToken);

    public Task RestoreAsync(RunContext context, CancellationToken cancellationToken) =>
        SetAsync(context, DeletedOnTermination(context), cancellationToken);

    private static List<VolumeAttachment> DeletedOnTermination(RunContext context) =>
        [.. context.Record.Original.Volumes.Where(volume => volume.DeleteOnTermination)];

    private static Task SetAsync(RunContext context, List<VolumeAttachment> volumes, CancellationToken cancellationToken) =>
        volumes.Count == 0
            ? Task.CompletedTask
            : StateSettling.RetryAsync(
                context.Time, _ => context.Apis.Ec2.SetDeleteOnTerminationAsync(context.InstanceId, volumes, cancellationToken), cancellationToken);
}
