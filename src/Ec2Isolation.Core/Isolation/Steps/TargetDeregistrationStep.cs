namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Takes the instance out of every ELBv2 target group it served, by instance id or by one of its private addresses
/// (groups of type ip), so that it receives no more user traffic.
/// </summary>
internal sealed class TargetDeregistrationStep : IIsolationStep
{
    public string Name => StepNames.TargetDeregistration;

    public async Task ApplyAsync(RunContext context, CancellationToken cancellationToken) =>
        await Task.WhenAll((await context.RecordedAttachmentsAsync(cancellationToken)).TargetRegistrations.Select(registration =>
            context.Apis.LoadBalancing.DeregisterAsync(context.InstanceId, registration, cancellationToken)));

    /// <summary>
    /// Registrations never recorded were never changed: nothing to restore. ELBv2 registers an instance by id only while
    /// it runs (<see cref="InstanceCapabilities.AcceptsInstanceTargetRegistration"/>): on an instance that does not, the
    /// registrations by address are restored and the step then fails, saying which wait for the instance to run.
    /// </summary>
    public async Task RestoreAsync(RunContext context, CancellationToken cancellationToken)
    {
        var registrations = context.Record.Original.Attachments?.TargetRegistrations ?? [];
        var byInstanceId = InstanceCapabilities.Of(context.Instance).AcceptsInstanceTargetRegistration
            ? []
            : registrations.Where(registration => registration.IpAddress is null).ToList();
        await Task.WhenAll(registrations.Except(byInstanceId).Select(registration =>
            context.Apis.LoadBalancing.RegisterAsync(context.InstanceId, registration, cancellationToken)));
        if (byInstanceId.Count > 0)
        {
            throw new InvalidOperationException(
                $"{context.InstanceId} is {context.Instance.State}, and ELBv2 registers an instance only while it runs: start it, then release again "
                + $"to register it in {string.Join(", ", byInstanceId.Select(registration => registration.TargetGroupArn).Distinct())}.");
        }
    }
}
