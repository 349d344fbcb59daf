using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Approvals;

/// <summary>What a responder sees before deciding: the instance's name, state, Auto Scaling group and load balancers (ELBv2 and Classic).</summary>
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

                await AddLoadBalancersAsync(evidence, services, instance, cancellationToken);
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
    /// The load balancers that send the instance traffic, as the steps find them: the target-deregistration step's
    /// discovery (<see cref="ILoadBalancingApi.FindTargetGroupsAsync"/>: one DescribeTargetGroups per 400 target groups of
    /// the region and one DescribeTargetHealth per group of the instance's VPCs; the names come from the ARNs) and the
    /// classic-load-balancers step's (<see cref="IClassicLoadBalancingApi.FindLoadBalancersAsync"/>: one
    /// DescribeLoadBalancers per 400 Classic Load Balancers), both at once. Classic ones are marked "(Classic)"; a lookup
    /// that failed makes the whole list unknown, with what the other found.
    /// </summary>
    private async Task AddLoadBalancersAsync(
        Dictionary<string, string> evidence, AccountServices services, InstanceDescription instance, CancellationToken cancellationToken)
    {
        var targetGroups = LookUpAsync("ELBv2", () => services.LoadBalancing.FindTargetGroupsAsync(instance, cancellationToken), instance.InstanceId);
        var classic = LookUpAsync("Classic Load Balancer", () => services.ClassicLoadBalancing.FindLoadBalancersAsync(instance.InstanceId, cancellationToken), instance.InstanceId);
        var ((groups, groupsFailure), (classicNames, classicFailure)) = (await targetGroups, await classic);

        List<string> loadBalancers =
        [
            .. (groups ?? []).SelectMany(group => group.LoadBalancerNames).Distinct(StringComparer.Ordinal),
            .. (classicNames ?? []).Select(name => name + " (Classic)"),
        ];
        string[] failures = [.. new[] { groupsFailure, classicFailure }.OfType<string>()];
        evidence["Load balancers"] = failures.Length > 0
            ? $"{Unknown} ({string.Join("; ", failures)}{(loadBalancers.Count > 0 ? "; found: " + string.Join(", ", loadBalancers) : "")})"
            : loadBalancers.Count > 0 ? string.Join(", ", loadBalancers) : "none";
        if (groups is { Count: > 0 })
        {
            evidence["Target groups"] = string.Join(", ", groups.Select(group => group.TargetGroupName).Distinct(StringComparer.Ordinal));
        }
    }

    /// <summary>One lookup: its answer, or why it failed (logged), never thrown.</summary>
    private async Task<(T? Found, string? Failure)> LookUpAsync<T>(string what, Func<Task<T>> lookUp, string instanceId)
        where T : class
    {
        try
        {
            return (await lookUp(), null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogLoadBalancersUnknown(logger, e, instanceId);
            return (null, $"the {what} lookup failed: {e.Message}");
        }
    }

    [LoggerMessage(2130, LogLevel.Warning, "The load balancers of {InstanceId} could not be read for its approval request; it shows them as unknown")]
    private static partial void LogLoadBalancersUnknown(ILogger logger, Exception exception, string instanceId);
}
