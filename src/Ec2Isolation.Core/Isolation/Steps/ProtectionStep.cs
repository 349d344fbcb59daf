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

    public Task ApplyAsync(RunContext context, CancellationToken cancellationToken)
    {
        var isSpot = context.Record.Original.IsSpot;
        if (isSpot)
        {
            Log.SpotWithoutTerminationProtection(context.Logger, context.InstanceId);
        }

        return context.Apis.Ec2.SetProtectionAsync(context.InstanceId, Protected, includeTermination: !isSpot, cancellationToken);
    }

    public Task RestoreAsync(RunContext context, CancellationToken cancellationToken) =>
        context.Apis.Ec2.SetProtectionAsync(
            context.InstanceId, context.Record.Original.Protection, includeTermination: !context.Record.Original.IsSpot, cancellationToken);
}
