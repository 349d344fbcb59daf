using System.Globalization;
using System.Xml.Linq;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.Query;

/// <summary>The engine's ELBv2 calls over the signed Query client.</summary>
public sealed class QueryLoadBalancingApi(AwsQueryClient client) : ILoadBalancingApi
{
    public async Task<IReadOnlyList<TargetRegistration>> FindRegistrationsAsync(string vpcId, string instanceId, CancellationToken cancellationToken)
    {
        // DescribeTargetGroups cannot filter by VPC: read every group of the region, 400 (the maximum) a page.
        var groupArns = new List<string>();
        await foreach (var page in client.SendPagedAsync(
            "DescribeTargetGroups", [new("PageSize", "400")], QueryPaging.NextMarker, cancellationToken))
        {
            groupArns.AddRange(page.Members("TargetGroups")
                .Where(group => group.ChildValue("VpcId") == vpcId && group.ChildValue("TargetType") == "instance")
                .Select(group => group.RequiredValue("TargetGroupArn")));
        }

        var perGroup = await Task.WhenAll(groupArns.Select(arn => FindInGroupAsync(arn, instanceId, cancellationToken)));
        return [.. perGroup.SelectMany(registrations => registrations)];
    }

    public Task DeregisterAsync(string instanceId, TargetRegistration registration, CancellationToken cancellationToken) =>
        client.SendAsync("DeregisterTargets", Target(instanceId, registration), cancellationToken);

    /// <summary>
    /// A deleted target group is <see cref="ResourceGoneException"/>: RegisterTargets answers <c>TargetGroupNotFound</c>
    /// (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_RegisterTargets.html, Errors).
    /// </summary>
    public async Task RegisterAsync(string instanceId, TargetRegistration registration, CancellationToken cancellationToken)
    {
        try
        {
            await client.SendAsync("RegisterTargets", Target(instanceId, registration), cancellationToken);
        }
        catch (AwsQueryException e) when (e.Code == "TargetGroupNotFound")
        {
            throw new ResourceGoneException(e.Message, e);
        }
    }

    private async Task<TargetRegistration[]> FindInGroupAsync(string targetGroupArn, string instanceId, CancellationToken cancellationToken)
    {
        try
        {
            var result = await client.SendAsync("DescribeTargetHealth", [new("TargetGroupArn", targetGroupArn)], cancellationToken);
            return
            [
                .. result.Members("TargetHealthDescriptions")
                    // A draining target is being taken out by someone else: release must not put it back.
                    .Where(description => description.Child("TargetHealth")?.ChildValue("State") != "draining")
                    .Select(description => description.Child("Target"))
                    .OfType<XElement>()
                    .Where(target => target.ChildValue("Id") == instanceId)
                    .Select(target => new TargetRegistration(targetGroupArn, target.IntValue("Port"), target.ChildValue("AvailabilityZone"))),
            ];
        }
        catch (AwsQueryException e) when (e.Code == "TargetGroupNotFound")
        {
            // Deleted since it was listed: it holds no registration any more.
            return [];
        }
    }

    private static List<KeyValuePair<string, string>> Target(string instanceId, TargetRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        List<KeyValuePair<string, string>> parameters =
            [new("TargetGroupArn", registration.TargetGroupArn), new("Targets.member.1.Id", instanceId)];
        if (registration.Port is { } port)
        {
            parameters.Add(new("Targets.member.1.Port", port.ToString(CultureInfo.InvariantCulture)));
        }

        if (registration.AvailabilityZone is { } zone)
        {
            parameters.Add(new("Targets.member.1.AvailabilityZone", zone));
        }

        return parameters;
    }
}
