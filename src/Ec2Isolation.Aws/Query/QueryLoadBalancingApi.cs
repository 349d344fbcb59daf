using System.Globalization;
using System.Xml.Linq;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.Query;

/// <summary>The engine's ELBv2 calls over the signed Query client.</summary>
public sealed class QueryLoadBalancingApi(AwsQueryClient client) : ILoadBalancingApi
{
    /// <summary>
    /// Target groups read at once: a region can hold thousands, and ELBv2 throttles per account and region; the
    /// client's own retry absorbs the rest.
    /// </summary>
    public const int MaxConcurrentReads = 8;

    public async Task<IReadOnlyList<TargetRegistration>> FindRegistrationsAsync(InstanceDescription instance, CancellationToken cancellationToken) =>
        [.. (await FindAsync(instance, cancellationToken)).SelectMany(found => found.Registrations)];

    /// <summary>
    /// The same calls as <see cref="FindRegistrationsAsync"/>: the group's name and load balancers come with
    /// DescribeTargetGroups, and the load balancers' names with their ARNs (no DescribeLoadBalancers).
    /// </summary>
    public async Task<IReadOnlyList<TargetGroupMembership>> FindTargetGroupsAsync(InstanceDescription instance, CancellationToken cancellationToken) =>
        [.. (await FindAsync(instance, cancellationToken)).Where(found => found.Registrations.Length > 0).Select(found => found.Group.Membership)];

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

    /// <remarks>
    /// DescribeTargetGroups cannot filter by VPC or type (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTargetGroups.html):
    /// every group of the region is listed, 400 (the maximum) a page, and only those that can hold the instance are read
    /// (DescribeTargetHealth): type instance in its VPC, type ip in the VPC of one of its ENIs, which holds targets by
    /// address (TargetDescription: "If the target type is ip, specify an IP address":
    /// https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetDescription.html).
    /// Calls: one DescribeTargetGroups per 400 groups of the region, one DescribeTargetHealth per group that can hold the instance.
    /// </remarks>
    private async Task<(CandidateGroup Group, TargetRegistration[] Registrations)[]> FindAsync(InstanceDescription instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var addressesByVpc = instance.PrivateAddresses
            .GroupBy(eni => eni.VpcId)
            .ToDictionary(vpc => vpc.Key, vpc => vpc.SelectMany(eni => eni.Addresses).ToHashSet(StringComparer.OrdinalIgnoreCase));
        var groups = new List<CandidateGroup>();
        await foreach (var page in client.SendPagedAsync(
            "DescribeTargetGroups", [new("PageSize", "400")], QueryPaging.NextMarker, cancellationToken))
        {
            foreach (var group in page.Members("TargetGroups"))
            {
                var vpcId = group.ChildValue("VpcId");
                switch (group.ChildValue("TargetType"))
                {
                    case "instance" when vpcId == instance.VpcId:
                        groups.Add(new(group, new HashSet<string> { instance.InstanceId }, false));
                        break;
                    case "ip" when vpcId is not null && addressesByVpc.TryGetValue(vpcId, out var addresses) && addresses.Count > 0:
                        groups.Add(new(group, addresses, true));
                        break;
                }
            }
        }

        var found = new TargetRegistration[groups.Count][];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, groups.Count),
            new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentReads, CancellationToken = cancellationToken },
            async (index, token) => found[index] = await FindInGroupAsync(groups[index].Arn, groups[index].TargetIds, groups[index].ByAddress, token));
        return [.. groups.Select((group, index) => (group, found[index]))];
    }

    private async Task<TargetRegistration[]> FindInGroupAsync(
        string targetGroupArn, IReadOnlySet<string> targetIds, bool byAddress, CancellationToken cancellationToken)
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
                    .Where(target => target.ChildValue("Id") is { } id && targetIds.Contains(id))
                    .Select(target => new TargetRegistration(
                        targetGroupArn, target.IntValue("Port"), target.ChildValue("AvailabilityZone"), byAddress ? target.ChildValue("Id") : null)),
            ];
        }
        catch (AwsQueryException e) when (e.Code == "TargetGroupNotFound")
        {
            // Deleted since it was listed: it holds no registration any more.
            return [];
        }
    }

    /// <summary>
    /// The target as registered: by address in a group of type ip, by instance id otherwise; the port and zone recorded,
    /// which DeregisterTargets needs when they were given at registration (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeregisterTargets.html).
    /// </summary>
    private static List<KeyValuePair<string, string>> Target(string instanceId, TargetRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        List<KeyValuePair<string, string>> parameters =
            [new("TargetGroupArn", registration.TargetGroupArn), new("Targets.member.1.Id", registration.IpAddress ?? instanceId)];
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

    /// <summary>A target group that can hold the instance: its targets are read, by instance id or by address.</summary>
    private sealed record CandidateGroup(string Arn, IReadOnlySet<string> TargetIds, bool ByAddress, TargetGroupMembership Membership)
    {
        public CandidateGroup(XElement group, IReadOnlySet<string> targetIds, bool byAddress)
            : this(
                group.RequiredValue("TargetGroupArn"),
                targetIds,
                byAddress,
                new TargetGroupMembership(
                    group.ChildValue("TargetGroupName") ?? group.RequiredValue("TargetGroupArn"),
                    [.. group.Members("LoadBalancerArns").Select(arn => arn.Value)]))
        {
        }
    }
}
