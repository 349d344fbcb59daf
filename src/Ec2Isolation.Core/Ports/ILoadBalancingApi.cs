using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Ports;

/// <summary>The ELBv2 calls the engine makes (through the signed Query client).</summary>
public interface ILoadBalancingApi
{
    /// <summary>Every registration of the instance in the instance-type target groups of a VPC.</summary>
    Task<IReadOnlyList<TargetRegistration>> FindRegistrationsAsync(string vpcId, string instanceId, CancellationToken cancellationToken);

    Task DeregisterAsync(string instanceId, TargetRegistration registration, CancellationToken cancellationToken);

    /// <summary>Throws <see cref="ResourceGoneException"/> when the target group no longer exists.</summary>
    Task RegisterAsync(string instanceId, TargetRegistration registration, CancellationToken cancellationToken);
}
