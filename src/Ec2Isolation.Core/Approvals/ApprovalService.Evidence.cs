using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Approvals;

/// <summary>What a responder sees before deciding: the instance's name, state, Auto Scaling group and load balancers.</summary>
public sealed partial class ApprovalService
{
    /// <summary>What the evidence says when the load balancers could not be read.</summary>
    public const string Unknown = "unknown";

    /// <summary>
    /// The instance's name and Auto Scaling group from its tags, and the load balancers and target groups that send it
    /// traffic. Nothing here may hold a request back: what cannot be read is shown as such (and logged), and the request
    /// goes out without it.
    /// </summary>
    private async Task<Dictionary<string, string>> EvidenceAsync(ApprovalTarget target, CancellationToken cancellationToken)
    {
        var evidence = new Dictionary<string, string>();
        try
        {
            var services = await accounts.ForAsync(target.AccountId, target.Region, cancellationToken);
            if (await services.Ec2.DescribeInstanceAsync(target.InstanceId, cancellationToken) is { } instance)
            {
                evidence["Name"] = instance.Tags.GetValueOrDefault("Name") ?? "(no Name tag)";
                evidence["State"] = instance.State;
                if (instance.Tags.GetValueOrDefault("aws:autoscaling:groupName") is { } group)
                {
                    evidence["Auto Scaling group"] = group;
                }

                if (instance.Tags.GetValueOrDefault("elasticbeanstalk:environment-name") is { } environment)
                {
                    evidence["Elastic Beanstalk environment"] = environment;
                }

                await AddLoadBalancersAsync(evidence, services.LoadBalancing, instance, cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The request goes out without it: a responder must not wait for a description that fails.
            evidence["Evidence"] = "the instance could not be described: " + e.Message;
        }

        return evidence;
    }

    /// <summary>
    /// The target-deregistration step's own discovery (<see cref="ILoadBalancingApi.FindTargetGroupsAsync"/>): one
    /// DescribeTargetGroups per 400 target groups of the region and one DescribeTargetHealth per group of the
    /// instance's VPCs, whatever number N of them holds the instance; the load balancers' names come from their ARNs.
    /// </summary>
    private async Task AddLoadBalancersAsync(
        Dictionary<string, string> evidence, ILoadBalancingApi loadBalancing, InstanceDescription instance, CancellationToken cancellationToken)
    {
        IReadOnlyList<TargetGroupMembership> groups;
        try
        {
            groups = await loadBalancing.FindTargetGroupsAsync(instance, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogLoadBalancersUnknown(logger, e, instance.InstanceId);
            evidence["Load balancers"] = $"{Unknown} (the ELBv2 lookup failed: {e.Message})";
            return;
        }

        var loadBalancers = groups.SelectMany(group => group.LoadBalancerNames).Distinct(StringComparer.Ordinal).ToList();
        evidence["Load balancers"] = loadBalancers.Count > 0 ? string.Join(", ", loadBalancers) : "none";
        if (groups.Count > 0)
        {
            evidence["Target groups"] = string.Join(", ", groups.Select(group => group.TargetGroupName).Distinct(StringComparer.Ordinal));
        }
    }

    [LoggerMessage(2130, LogLevel.Warning, "The load balancers of {InstanceId} could not be read for its approval request; it shows them as unknown")]
    private static partial void LogLoadBalancersUnknown(ILogger logger, Exception exception, string instanceId);
}
