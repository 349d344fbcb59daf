using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.Query;

/// <summary>
/// The engine's Classic Load Balancer calls over the signed Query client (Elastic Load Balancing API 2012-06-01:
/// AWSSDK.ElasticLoadBalancing is not a dependency). Throttling (<c>Throttling</c>) is retried by the client.
/// </summary>
public sealed class QueryClassicLoadBalancingApi(AwsQueryClient client) : IClassicLoadBalancingApi
{
    /// <remarks>
    /// DescribeLoadBalancers cannot filter by instance or VPC: every Classic Load Balancer of the region is listed, 400
    /// (the maximum) a page, Marker in the request and NextMarker ("If there are no additional results, the string is
    /// empty") in the result, and those whose Instances list the instance are kept:
    /// https://docs.aws.amazon.com/elasticloadbalancing/2012-06-01/APIReference/API_DescribeLoadBalancers.html
    /// </remarks>
    public async Task<IReadOnlyList<string>> FindLoadBalancersAsync(string instanceId, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var page in client.SendPagedAsync("DescribeLoadBalancers", [new("PageSize", "400")], QueryPaging.NextMarker, cancellationToken))
        {
            names.AddRange(page.Members("LoadBalancerDescriptions")
                .Where(description => Lists(description, instanceId))
                .Select(description => description.RequiredValue("LoadBalancerName")));
        }

        return names;
    }

    /// <summary>
    /// A load balancer that no longer exists (<c>LoadBalancerNotFound</c>) sends nothing: done. Deregistering an instance
    /// that is not registered answers <c>InvalidInstance</c> ("Could not find EC2 instance":
    /// https://github.com/boto/boto/issues/2274), as on a rerun after a crash: the load balancer is read again, and the
    /// call is done only when it no longer lists the instance.
    /// https://docs.aws.amazon.com/elasticloadbalancing/2012-06-01/APIReference/API_DeregisterInstancesFromLoadBalancer.html (Errors)
    /// </summary>
    public async Task DeregisterAsync(string loadBalancerName, string instanceId, CancellationToken cancellationToken)
    {
        try
        {
            await client.SendAsync("DeregisterInstancesFromLoadBalancer", Instance(loadBalancerName, instanceId), cancellationToken);
        }
        catch (AwsQueryException e) when (e.Code == LoadBalancerNotFound)
        {
        }
        catch (AwsQueryException e) when (e.Code == "InvalidInstance")
        {
            if (await StillListsAsync(loadBalancerName, instanceId, cancellationToken))
            {
                throw;
            }
        }
    }

    /// <summary>
    /// A deleted load balancer is <see cref="ResourceGoneException"/> (<c>LoadBalancerNotFound</c>:
    /// https://docs.aws.amazon.com/elasticloadbalancing/2012-06-01/APIReference/API_RegisterInstancesWithLoadBalancer.html, Errors).
    /// </summary>
    public async Task RegisterAsync(string loadBalancerName, string instanceId, CancellationToken cancellationToken)
    {
        try
        {
            await client.SendAsync("RegisterInstancesWithLoadBalancer", Instance(loadBalancerName, instanceId), cancellationToken);
        }
        catch (AwsQueryException e) when (e.Code == LoadBalancerNotFound)
        {
            throw new ResourceGoneException(e.Message, e);
        }
    }

    private const string LoadBalancerNotFound = "LoadBalancerNotFound";

    private async Task<bool> StillListsAsync(string loadBalancerName, string instanceId, CancellationToken cancellationToken)
    {
        try
        {
            var result = await client.SendAsync("DescribeLoadBalancers", [new("LoadBalancerNames.member.1", loadBalancerName)], cancellationToken);
            return result.Members("LoadBalancerDescriptions").Any(description => Lists(description, instanceId));
        }
        catch (AwsQueryException e) when (e.Code == LoadBalancerNotFound)
        {
            return false;
        }
    }

    private static bool Lists(System.Xml.Linq.XElement description, string instanceId) =>
        description.Members("Instances").Any(instance => instance.ChildValue("InstanceId") == instanceId);

    private static KeyValuePair<string, string>[] Instance(string loadBalancerName, string instanceId) =>
        [new("LoadBalancerName", loadBalancerName), new("Instances.member.1.InstanceId", instanceId)];
}
