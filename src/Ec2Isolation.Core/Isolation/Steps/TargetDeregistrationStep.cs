namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>Takes the instance out of every ELBv2 target group it served, so that it receives no more user traffic.</summary>
internal sealed class TargetDeregistrationStep : IIsolationStep
{
    public string Name => StepNames.TargetDeregistration;

    public async Task ApplyAsync(RunContext context, CancellationToken cancellationToken) =>
        await Task.WhenAll((await context.RecordedAttachmentsAsync(cancellationToken)).TargetRegistrations.Select(registration =>
            context.Apis.LoadBalancing.DeregisterAsync(context.InstanceId, registration, cancellationToken)));

    /// <summary>Registrations never recorded were never changed: nothing to restore.</summary>
    public Task RestoreAsync(RunContext context, CancellationToken cancellationToken) =>
        Task.WhenAll((context.Record.Original.Attachments?.TargetRegistrations ?? []).Select(registration =>
            context.Apis.LoadBalancing.RegisterAsync(context.InstanceId, registration, cancellationToken)));
}
