namespace Ec2Isolation.Core.Ports;

/// <summary>The Classic Load Balancer calls the engine makes (Elastic Load Balancing API 2012-06-01, through the signed Query client).</summary>
public interface IClassicLoadBalancingApi
{
    /// <summary>The names of the Classic Load Balancers whose registered instances list <paramref name="instanceId"/>.</summary>
    Task<IReadOnlyList<string>> FindLoadBalancersAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the instance out of the load balancer. Done as well when it is no longer registered there, or when the
    /// load balancer no longer exists: either way it sends the instance no traffic.
    /// </summary>
    Task DeregisterAsync(string loadBalancerName, string instanceId, CancellationToken cancellationToken);

    /// <summary>Throws <see cref="ResourceGoneException"/> when the load balancer no longer exists.</summary>
    Task RegisterAsync(string loadBalancerName, string instanceId, CancellationToken cancellationToken);
}
