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

    /// <summary>
    /// A deleted group is <see cref="ResourceGoneException"/>: Auto Scaling answers <c>ValidationError</c> "AutoScalingGroup
    /// name not found" (aws/aws-sdk-go#1151, https://github.com/aws/aws-sdk-go/issues/1151; cloud-custodian#249); other
    /// validation errors stay errors.
    /// </summary>
    public async Task ExitStandbyAsync(string groupName, string instanceId, CancellationToken cancellationToken)
    {
        try
        {
            await client.SendAsync("ExitStandby", Instance(groupName, instanceId), cancellationToken);
        }
        catch (AwsQueryException e) when (e.Code == "ValidationError" && e.Message.Contains("not found", StringComparison.OrdinalIgnoreCase))
        {
            throw new ResourceGoneException(e.Message, e);
        }
    }

    private static KeyValuePair<string, string>[] Instance(string groupName, string instanceId) =>
        [new("AutoScalingGroupName", groupName), new("InstanceIds.member.1", instanceId)];
}
