using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Ports;

/// <summary>The ELBv2 calls the engine makes (through the signed Query client).</summary>
public interface ILoadBalancingApi
{
    /// <summary>
    /// Every registration of the instance: by id in the instance-type target groups of its VPC, and by one of its
    /// private addresses in the ip-type target groups of its ENIs' VPCs. No other target group is read.
    /// </summary>
    Task<IReadOnlyList<TargetRegistration>> FindRegistrationsAsync(InstanceDescription instance, CancellationToken cancellationToken);

    Task DeregisterAsync(string instanceId, TargetRegistration registration, CancellationToken cancellationToken);

    Task RegisterAsync(string instanceId, TargetRegistration registration, CancellationToken cancellationToken);
}
