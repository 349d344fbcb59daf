using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Termination and stop protection, and shutdown behaviour "stop", so that nobody (the attacker included) destroys
/// the evidence by terminating or shutting down the instance. Only the attributes EC2 accepts on this instance are set
/// (<see cref="InstanceCapabilities.ProtectionAttributes"/>: a Spot instance takes neither protection, an instance store
/// root no stop protection); a pending or stopping instance is waited for (<see cref="StateSettling"/>).
/// </summary>
internal sealed class ProtectionStep : IIsolationStep
{
    private static readonly InstanceProtection Protected = new(DisableApiTermination: true, DisableApiStop: true, ShutdownBehavior: "stop");

    public string Name => StepNames.Protection;

    public async Task ApplyAsync(RunContext context, CancellationToken cancellationToken)
    {
        await context.RecordedAttachmentsAsync(cancellationToken);
        var attributes = InstanceCapabilities.Of(context.Instance).ProtectionAttributes;
        if (!attributes.HasFlag(ProtectionAttributes.Termination) || !attributes.HasFlag(ProtectionAttributes.Stop))
        {
            Log.ProtectionNotAccepted(context.Logger, context.InstanceId, attributes.ToString());
        }

        await SetAsync(context, Protected, attributes, cancellationToken);
    }

    /// <summary>Protection never recorded was never changed: nothing to restore.</summary>
    public Task RestoreAsync(RunContext context, CancellationToken cancellationToken) =>
        context.Record.Original.Attachments is not { } attachments
            ? Task.CompletedTask
            : SetAsync(context, attachments.Protection, InstanceCapabilities.Of(context.Instance).ProtectionAttributes, cancellationToken);

    private static Task SetAsync(RunContext context, InstanceProtection protection, ProtectionAttributes attributes, CancellationToken cancellationToken) =>
        StateSettling.RetryAsync(
            context.Time, _ => context.Apis.Ec2.SetProtectionAsync(context.InstanceId, protection, attributes, cancellationToken), cancellationToken);
}
