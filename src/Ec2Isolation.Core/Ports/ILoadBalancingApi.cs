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

    /// <summary>
    /// The target groups that hold the instance, found as <see cref="FindRegistrationsAsync"/> finds its registrations
    /// (the same calls), with the load balancers that route to each: what a responder sees before approving.
    /// </summary>
    Task<IReadOnlyList<TargetGroupMembership>> FindTargetGroupsAsync(InstanceDescription instance, CancellationToken cancellationToken);

    Task DeregisterAsync(string instanceId, TargetRegistration registration, CancellationToken cancellationToken);

    /// <summary>Throws <see cref="ResourceGoneException"/> when the target group no longer exists.</summary>
    Task RegisterAsync(string instanceId, TargetRegistration registration, CancellationToken cancellationToken);
}
