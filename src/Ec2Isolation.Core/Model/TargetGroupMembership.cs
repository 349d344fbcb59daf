namespace Ec2Isolation.Core.Model;

/// <summary>
/// An ELBv2 target group that holds the instance (by id or by one of its addresses), and the load balancers that route
/// to it, as DescribeTargetGroups lists them (TargetGroupName, LoadBalancerArns:
/// https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroup.html). For people: the approval
/// request's evidence.
/// </summary>
public sealed record TargetGroupMembership(string TargetGroupName, IReadOnlyList<string> LoadBalancerArns)
{
    /// <summary>
    /// The load balancers' names, read from their ARNs (<c>arn:PARTITION:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/app|net|gwy/NAME/ID</c>:
    /// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html#awselasticloadbalancingv2-resources-for-iam-policies),
    /// so that no DescribeLoadBalancers call is needed; an ARN of another shape is shown whole.
    /// </summary>
    public IEnumerable<string> LoadBalancerNames => LoadBalancerArns.Select(LoadBalancerName);

    public static string LoadBalancerName(string arn)
    {
        ArgumentNullException.ThrowIfNull(arn);
        var resource = arn.Split(':', 6) is { Length: 6 } parts ? parts[5].Split('/') : [];
        return resource is ["loadbalancer", "app" or "net" or "gwy", var name, _] ? name : arn;
    }
}
