using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.Query;

/// <summary>The engine's Auto Scaling calls over the signed Query client.</summary>
public sealed class QueryAutoScalingApi(AwsQueryClient client) : IAutoScalingApi
{
    public async Task<AutoScalingMembership?> DescribeMembershipAsync(string instanceId, CancellationToken cancellationToken)
    {
        var result = await client.SendAsync("DescribeAutoScalingInstances", [new("InstanceIds.member.1", instanceId)], cancellationToken);
        return result.Members("AutoScalingInstances").FirstOrDefault() is { } instance
            ? new AutoScalingMembership(instance.RequiredValue("AutoScalingGroupName"), instance.RequiredValue("LifecycleState"))
            : null;
    }

    public Task EnterStandbyAsync(string groupName, string instanceId, CancellationToken cancellationToken) =>
        client.SendAsync(
            "EnterStandby",
            [.. Instance(groupName, instanceId), new("ShouldDecrementDesiredCapacity", "false")],
            cancellationToken);

    public Task ExitStandbyAsync(string groupName, string instanceId, CancellationToken cancellationToken) =>
        client.SendAsync("ExitStandby", Instance(groupName, instanceId), cancellationToken);

    private static KeyValuePair<string, string>[] Instance(string groupName, string instanceId) =>
        [new("AutoScalingGroupName", groupName), new("InstanceIds.member.1", instanceId)];
}
