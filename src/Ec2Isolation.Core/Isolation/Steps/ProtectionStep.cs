using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Termination and stop protection, and shutdown behaviour "stop", so that nobody (the attacker included) destroys
/// the evidence by terminating or shutting down the instance. Spot instances cannot have termination protection.
/// </summary>
internal sealed class ProtectionStep : IIsolationStep
{
    private static readonly InstanceProtection Protected = new(DisableApiTermination: true, DisableApiStop: true, ShutdownBehavior: "stop");

    public string Name => StepNames.Protection;

    public async Task ApplyAsync(RunContext context, CancellationToken cancellationToken)
    {
        await context.RecordedAttachmentsAsync(AttachmentParts.Protection, cancellationToken);
        var isSpot = context.Record.Original.IsSpot;
        if (isSpot)
        {
            Log.SpotWithoutTerminationProtection(context.Logger, context.InstanceId);
        }

        await context.Apis.Ec2.SetProtectionAsync(context.InstanceId, Protected, includeTermination: !isSpot, cancellationToken);
    }

    /// <summary>Protection never recorded was never changed: nothing to restore.</summary>
    public Task RestoreAsync(RunContext context, CancellationToken cancellationToken) =>
        context.Record.Original.Attachments?.Protection is not { } protection
            ? Task.CompletedTask
            : context.Apis.Ec2.SetProtectionAsync(
                context.InstanceId, protection, includeTermination: !context.Record.Original.IsSpot, cancellationToken);
}
