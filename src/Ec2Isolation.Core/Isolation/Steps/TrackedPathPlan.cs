using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Where the instance's always-tracked paths can be cut: for each path its ENIs can use (the targets of their subnets'
/// route tables, the VPC's interface and Gateway Load Balancer endpoints, the VPC's Network Load Balancers when the
/// instance is a target), a deny of each of the instance's addresses, both directions, in the network ACL of each subnet
/// the path's own interfaces live in: an ACL sees a flow only where it crosses its subnet's boundary, and an entry
/// matches the source address (ingress) or the destination address (egress). A path it cannot cut is named, with why.
/// Flows are always tracked through NAT gateways, load balancers, transit gateway attachments, egress-only internet
/// gateways, Gateway Load Balancer and interface endpoints and DynamoDB gateway endpoints
/// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html#automatic-tracking).
/// </summary>
internal static class TrackedPathPlan
{
    /// <summary>One deny wanted: the ACL, the direction, the address and the paths it cuts.</summary>
    public sealed record WantedDeny(NetworkAclInfo Acl, bool Egress, string Cidr, string Paths);

    public sealed record Result(IReadOnlyList<WantedDeny> Denies, IReadOnlyList<OpenPath> Open);

    private sealed record Path(string Label, IReadOnlyList<string> SubnetIds);

    public static Result Build(
        IReadOnlyList<NetworkInterfaceAddresses> enis,
        IReadOnlyList<RouteTableInfo> routeTables,
        IReadOnlyList<TrackedPathResource> resources,
        IReadOnlyList<NetworkAclInfo> acls)
    {
        var wanted = new Dictionary<(string Acl, bool Egress, string Cidr), (NetworkAclInfo Acl, SortedSet<string> Paths)>();
        var open = new List<OpenPath>();
        foreach (var eni in enis)
        {
            if (eni.HasPrefixes)
            {
                open.Add(new($"{eni.NetworkInterfaceId} (delegated prefixes)",
                    "the addresses of a delegated prefix are not denied one by one, and no entry broader than one address is ever written"));
            }

            var cidrs = eni.Addresses.Select(SingleAddress.Cidr).ToList();
            foreach (var path in PathsOf(eni, routeTables.Where(t => t.VpcId == eni.VpcId).ToList(), resources.Where(r => r.VpcId == eni.VpcId).ToList(), open))
            {
                if (path.SubnetIds.Count == 0)
                {
                    open.Add(new(path.Label, "EC2 reports no subnet for its interfaces: there is no boundary known to filter"));
                }

                foreach (var subnet in path.SubnetIds)
                {
                    if (subnet == eni.SubnetId)
                    {
                        open.Add(new(path.Label, $"its interface shares subnet {subnet} with {eni.NetworkInterfaceId}: the flow crosses no subnet boundary, so no network ACL sees it"));
                        continue;
                    }

                    if (acls.FirstOrDefault(acl => acl.SubnetIds.Contains(subnet)) is not { } acl)
                    {
                        open.Add(new(path.Label, $"no network ACL of subnet {subnet} was found"));
                        continue;
                    }

                    foreach (var cidr in cidrs)
                    {
                        foreach (var egress in new[] { false, true })
                        {
                            var key = (acl.NetworkAclId, egress, cidr);
                            if (!wanted.TryGetValue(key, out var deny))
                            {
                                wanted[key] = deny = (acl, new SortedSet<string>(StringComparer.Ordinal));
                            }

                            deny.Paths.Add(path.Label);
                        }
                    }
                }
            }
        }

        return new Result(
            [.. wanted.Select(pair => new WantedDeny(pair.Value.Acl, pair.Key.Egress, pair.Key.Cidr, string.Join(", ", pair.Value.Paths)))],
            [.. open.Distinct()]);
    }

    /// <summary>The always-tracked paths one ENI can use; those whose interfaces cannot be known go to <paramref name="open"/>.</summary>
    private static IEnumerable<Path> PathsOf(
        NetworkInterfaceAddresses eni, List<RouteTableInfo> routeTables, List<TrackedPathResource> resources, List<OpenPath> open)
    {
        var table = routeTables.FirstOrDefault(t => t.SubnetIds.Contains(eni.SubnetId)) ?? routeTables.FirstOrDefault(t => t.IsMain);
        var usesIpv6 = eni.Addresses.Any(address => address.Contains(':', StringComparison.Ordinal));
        foreach (var target in table?.RouteTargets ?? [])
        {
            var prefix = target.Split('-')[0];
            switch (prefix)
            {
                case "nat" when resources.Find(r => r.Kind == TrackedPathKind.NatGateway && r.Id == target) is { } nat:
                    yield return new Path($"{nat.Id} (NAT gateway)", nat.SubnetIds);
                    break;
                case "tgw" when resources.Find(r => r.Kind == TrackedPathKind.TransitGatewayAttachment && r.Via == target) is { } attachment:
                    yield return new Path($"{attachment.Id} (transit gateway {target})", attachment.SubnetIds);
                    break;
                case "eigw" when usesIpv6:
                    open.Add(new($"{target} (egress-only internet gateway)",
                        "it has no interface of its own: its flows cross only the instance's own subnet boundary, where an entry matches the peer's address, not the instance's"));
                    break;
                case "vpce" when resources.Find(r => r.Id == target) is { } endpoint:
                    if (endpoint.Kind == TrackedPathKind.GatewayEndpoint && endpoint.ServiceName?.EndsWith(".dynamodb", StringComparison.Ordinal) == true)
                    {
                        open.Add(new($"{endpoint.Id} (DynamoDB gateway endpoint)",
                            "a gateway endpoint has no interface of its own: its flows cross only the instance's own subnet boundary"));
                    }

                    break;
                case "nat" or "tgw" or "vpce":
                    open.Add(new(target, "the route's target was not found among the VPC's NAT gateways, transit gateway attachments and endpoints "
                        + "(a Network Firewall endpoint?): the subnets of its interfaces are unknown"));
                    break;
            }
        }

        foreach (var resource in resources.Where(r => r.Kind is TrackedPathKind.InterfaceEndpoint or TrackedPathKind.GatewayLoadBalancerEndpoint))
        {
            yield return new Path($"{resource.Id} ({(resource.Kind == TrackedPathKind.InterfaceEndpoint ? "interface endpoint " + resource.ServiceName : "Gateway Load Balancer endpoint")})",
                resource.SubnetIds);
        }

        foreach (var loadBalancer in resources.Where(r => r.Kind == TrackedPathKind.NetworkLoadBalancer))
        {
            yield return new Path($"{loadBalancer.Id} ({loadBalancer.Via})", loadBalancer.SubnetIds);
        }

        // Traffic of an accelerator that preserves client IP addresses is not evaluated by network ACLs at all
        // (https://docs.aws.amazon.com/global-accelerator/latest/dg/preserve-client-ip-address.how-to-enable-preservation.html):
        // its interface in the instance's subnet says the instance may be its endpoint, which no deny can change.
        foreach (var accelerator in resources.Where(r => r.Kind == TrackedPathKind.GlobalAccelerator && r.SubnetIds.Contains(eni.SubnetId)))
        {
            open.Add(new($"{accelerator.Id} (Global Accelerator interface)",
                $"it shares subnet {eni.SubnetId} with {eni.NetworkInterfaceId}: if the instance is an endpoint of an accelerator that preserves client IP addresses, "
                + "those flows bypass network ACLs altogether and no deny can cut them"));
        }
    }
}
