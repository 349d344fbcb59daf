using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Puts an Auto Scaling member into Standby, so that health checks and scale-in do not terminate the evidence;
/// the group keeps its desired capacity and launches a replacement.
/// </summary>
internal sealed class AutoScalingStandbyStep : IIsolationStep
{
    private const string InService = "InService";
    private const string Standby = "Standby";

    public string Name => StepNames.AutoScalingStandby;

    public async Task ApplyAsync(RunContext context, CancellationToken cancellationToken)
    {
        var api = context.Apis.AutoScaling;

        // Standby also deregisters the instance from the group's target groups: those are recorded too when their read
        // succeeded; when it failed, release's ExitStandby registers the instance with them again all the same.
        if ((await context.RecordedAttachmentsAsync(AttachmentParts.AutoScaling, cancellationToken)).AutoScaling is null)
        {
            return;
        }

        var current = await api.DescribeMembershipAsync(context.InstanceId, cancellationToken);
        if (current is { LifecycleState: InService })
        {
            await api.EnterStandbyAsync(current.GroupName, context.InstanceId, cancellationToken);
        }
    }

    public async Task RestoreAsync(RunContext context, CancellationToken cancellationToken)
    {
        var api = context.Apis.AutoScaling;
        if (context.Record.Original.Attachments?.AutoScaling is not { LifecycleState: InService } original)
        {
            return;
        }

        var current = await api.DescribeMembershipAsync(context.InstanceId, cancellationToken);
        if (current is null)
        {
            context.NotRestored($"The instance is no longer a member of Auto Scaling group {original.GroupName} (deleted, or the instance detached); it was not returned to service.");
            return;
        }

        if (current is { LifecycleState: Standby })
        {
            try
            {
                await api.ExitStandbyAsync(current.GroupName, context.InstanceId, cancellationToken);
            }
            catch (ResourceGoneException)
            {
                context.NotRestored($"Auto Scaling group {current.GroupName} no longer exists; the instance was not returned to service.");
            }
        }
    }
}
