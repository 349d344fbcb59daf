using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Ports;

/// <summary>The Auto Scaling calls the engine makes (through the signed Query client).</summary>
public interface IAutoScalingApi
{
    /// <summary>The group the instance belongs to and its lifecycle state, or null.</summary>
    Task<AutoScalingMembership?> DescribeMembershipAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>Moves the instance to Standby without lowering the desired capacity, so the group keeps serving.</summary>
    Task EnterStandbyAsync(string groupName, string instanceId, CancellationToken cancellationToken);

    /// <summary>Throws <see cref="ResourceGoneException"/> when the group no longer exists.</summary>
    Task ExitStandbyAsync(string groupName, string instanceId, CancellationToken cancellationToken);
}
