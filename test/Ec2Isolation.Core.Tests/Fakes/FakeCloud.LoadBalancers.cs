using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Tests.Fakes;

/// <summary>
/// The target groups that hold an instance, with their load balancers, as DescribeTargetGroups lists them (TargetGroupName,
/// LoadBalancerArns: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroup.html). A
/// refusal (AccessDenied, throttling) is injected through <see cref="BeforeCall"/> on <c>DescribeTargetGroups</c>.
/// </summary>
internal sealed partial class FakeCloud
{
    /// <summary>The load balancer ARNs that route to each target group ARN; a group not listed has none.</summary>
    public Dictionary<string, List<string>> TargetGroupLoadBalancers { get; } = [];

    public Task<IReadOnlyList<TargetGroupMembership>> FindTargetGroupsAsync(InstanceDescription instance, CancellationToken cancellationToken) =>
        Call("DescribeTargetGroups", () =>
        {
            lock (_lock)
            {
                return (IReadOnlyList<TargetGroupMembership>)[.. Targets.Where(t => t.InstanceId == instance.InstanceId)
                    .Select(t => t.Registration.TargetGroupArn).Distinct(StringComparer.Ordinal)
                    .Select(arn => new TargetGroupMembership(arn.Split('/')[1], TargetGroupLoadBalancers.GetValueOrDefault(arn) ?? []))];
            }
        });
}
