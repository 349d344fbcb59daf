using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>Takes the instance out of every ELBv2 target group it served, so that it receives no more user traffic.</summary>
internal sealed class TargetDeregistrationStep : IIsolationStep
{
    public string Name => StepNames.TargetDeregistration;

    public async Task ApplyAsync(RunContext context, CancellationToken cancellationToken) =>
        await Task.WhenAll((await context.RecordedAttachmentsAsync(AttachmentParts.TargetRegistrations, cancellationToken)).TargetRegistrations.Select(registration =>
            context.Apis.LoadBalancing.DeregisterAsync(context.InstanceId, registration, cancellationToken)));

    /// <summary>Registrations never recorded were never changed: nothing to restore.</summary>
    public Task RestoreAsync(RunContext context, CancellationToken cancellationToken) =>
        Task.WhenAll((context.Record.Original.Attachments?.TargetRegistrations ?? []).Select(async registration =>
        {
            try
            {
                await context.Apis.LoadBalancing.RegisterAsync(context.InstanceId, registration, cancellationToken);
            }
            catch (ResourceGoneException)
            {
                context.NotRestored($"Target group {registration.TargetGroupArn} no longer exists; the instance was not registered with it again.");
            }
        }));
}
