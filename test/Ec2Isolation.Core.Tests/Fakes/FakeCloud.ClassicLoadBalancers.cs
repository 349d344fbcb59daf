using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Tests.Fakes;

/// <summary>
/// Classic Load Balancers and the instances registered with each, with the answers the adapter turns them into:
/// deregistering an instance no longer registered (AWS: <c>InvalidInstance</c>, https://github.com/boto/boto/issues/2274)
/// or from a load balancer that no longer exists (<c>LoadBalancerNotFound</c>) is done; registering with a deleted one is
/// <see cref="ResourceGoneException"/>, and registering an instance that is not running is refused ("The instance must be
/// a running instance": https://docs.aws.amazon.com/elasticloadbalancing/2012-06-01/APIReference/API_RegisterInstancesWithLoadBalancer.html).
/// </summary>
internal sealed partial class FakeCloud
{
    /// <summary>The registered instance ids per Classic Load Balancer name; a name removed is a deleted load balancer.</summary>
    public Dictionary<string, List<string>> ClassicLoadBalancers { get; } = [];

    public Task<IReadOnlyList<string>> FindLoadBalancersAsync(string instanceId, CancellationToken cancellationToken) =>
        Call("DescribeLoadBalancers", () =>
        {
            lock (_lock)
            {
                return (IReadOnlyList<string>)[.. ClassicLoadBalancers.Where(lb => lb.Value.Contains(instanceId)).Select(lb => lb.Key)];
            }
        });

    public Task DeregisterAsync(string loadBalancerName, string instanceId, CancellationToken cancellationToken) =>
        Call("DeregisterInstancesFromLoadBalancer:" + loadBalancerName, () =>
        {
            lock (_lock)
            {
                return ClassicLoadBalancers.TryGetValue(loadBalancerName, out var instances) && instances.Remove(instanceId);
            }
        });

    public Task RegisterAsync(string loadBalancerName, string instanceId, CancellationToken cancellationToken) =>
        Call("RegisterInstancesWithLoadBalancer:" + loadBalancerName, () =>
        {
            lock (_lock)
            {
                if (!ClassicLoadBalancers.TryGetValue(loadBalancerName, out var instances))
                {
                    throw new ResourceGoneException($"LoadBalancerNotFound: There is no ACTIVE Load Balancer named '{loadBalancerName}'");
                }

                if (Instances.TryGetValue(instanceId, out var instance) && instance.State != "running")
                {
                    throw new InvalidOperationException($"InvalidInstance: The instance {instanceId} is not in a valid state (it must be running)");
                }

                if (!instances.Contains(instanceId))
                {
                    instances.Add(instanceId);
                }

                return true;
            }
        });
}
