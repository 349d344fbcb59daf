using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using ConnectionTracking = Ec2Isolation.Core.Model.ConnectionTracking;

namespace Ec2Isolation.Aws.Ec2;

/// <summary>The calls that cut what security groups cannot: network ACLs, the metadata service, connection tracking.</summary>
public sealed partial class AwsEc2Api
{
    public async Task<IReadOnlyList<NetworkInterfaceAddresses>> DescribeNetworkInterfaceAddressesAsync(
        IReadOnlyList<string> networkInterfaceIds, CancellationToken cancellationToken) =>
        [.. (await DescribeInterfacesByIdAsync(networkInterfaceIds, cancellationToken)).Select(eni => new NetworkInterfaceAddresses(
            eni.NetworkInterfaceId,
            eni.VpcId,
            eni.SubnetId,
            [.. (eni.PrivateIpAddresses ?? []).Select(address => address.PrivateIpAddress)
                .Concat((eni.Ipv6Addresses ?? []).Select(address => address.Ipv6Address))
                .DefaultIfEmpty(eni.PrivateIpAddress)
                .OfType<string>()
                .Distinct()],
            HasPrefixes: eni.Ipv4Prefixes is { Count: > 0 } || eni.Ipv6Prefixes is { Count: > 0 }))];

    public async Task<IReadOnlyList<RouteTableInfo>> DescribeRouteTablesAsync(string vpcId, CancellationToken cancellationToken)
    {
        var tables = new List<RouteTableInfo>();
        var request = new DescribeRouteTablesRequest { Filters = [new("vpc-id", [vpcId])] };
        await foreach (var table in ec2.Paginators.DescribeRouteTables(request).RouteTables.WithCancellation(cancellationToken))
        {
            var associations = table.Associations ?? [];
            tables.Add(new RouteTableInfo(
                table.RouteTableId,
                table.VpcId,
                associations.Exists(association => association.Main == true),
                [.. associations.Select(association => association.SubnetId).OfType<string>()],
                [.. (table.Routes ?? []).Select(route => route.NatGatewayId ?? route.TransitGatewayId ?? route.EgressOnlyInternetGatewayId ?? route.GatewayId)
                    .OfType<string>().Distinct()]));
        }

        return tables;
    }

    /// <remarks>
    /// A Network Load Balancer's interfaces are described "ELB net/NAME/ID" (interface type network_load_balancer); the
    /// description is what both EC2 and moto report. Global Accelerator's interfaces (type global_accelerator_managed, one
    /// in each subnet of an endpoint that preserves client IP addresses:
    /// https://docs.aws.amazon.com/global-accelerator/latest/dg/about-endpoints.sipp-caveats.html) come from the same
    /// listing of the VPC's interfaces, classified here: moto does not filter on interface-type.
    /// </remarks>
    public async Task<IReadOnlyList<TrackedPathResource>> DescribeTrackedPathResourcesAsync(
        string vpcId, CancellationToken cancellationToken)
    {
        List<Filter> inVpc = [new("vpc-id", [vpcId])];
        var natGateways = CollectAsync(
            ec2.Paginators.DescribeNatGateways(new() { Filter = inVpc }).NatGateways, nat => nat.State != NatGatewayState.Deleted && nat.State != NatGatewayState.Deleting,
            nat => new TrackedPathResource(TrackedPathKind.NatGateway, nat.NatGatewayId, vpcId, nat.SubnetId is { } subnet ? [subnet] : []), cancellationToken);
        var attachments = CollectAsync(
            ec2.Paginators.DescribeTransitGatewayVpcAttachments(new() { Filters = inVpc }).TransitGatewayVpcAttachments,
            attachment => attachment.State != TransitGatewayAttachmentState.Deleted && attachment.State != TransitGatewayAttachmentState.Deleting,
            attachment => new TrackedPathResource(
                TrackedPathKind.TransitGatewayAttachment, attachment.TransitGatewayAttachmentId, vpcId, attachment.SubnetIds ?? [], Via: attachment.TransitGatewayId),
            cancellationToken);
        var endpoints = CollectAsync(
            ec2.Paginators.DescribeVpcEndpoints(new() { Filters = inVpc }).VpcEndpoints,
            endpoint => endpoint.State != State.Deleted && endpoint.State != State.Deleting,
            endpoint => new TrackedPathResource(
                endpoint.VpcEndpointType == VpcEndpointType.Interface ? TrackedPathKind.InterfaceEndpoint
                : endpoint.VpcEndpointType == VpcEndpointType.Gateway ? TrackedPathKind.GatewayEndpoint
                : TrackedPathKind.GatewayLoadBalancerEndpoint,
                endpoint.VpcEndpointId, vpcId, endpoint.SubnetIds ?? [], ServiceName: endpoint.ServiceName, EndpointType: endpoint.VpcEndpointType?.Value),
            cancellationToken);
        var loadBalancers = CollectAsync(
            ec2.Paginators.DescribeNetworkInterfaces(new() { Filters = inVpc }).NetworkInterfaces,
            eni => IsNetworkLoadBalancer(eni) || eni.InterfaceType == NetworkInterfaceType.Global_accelerator_managed,
            eni => new TrackedPathResource(
                IsNetworkLoadBalancer(eni) ? TrackedPathKind.NetworkLoadBalancer : TrackedPathKind.GlobalAccelerator, eni.NetworkInterfaceId, vpcId, [eni.SubnetId], Via: eni.Description),
            cancellationToken);
        await Task.WhenAll(natGateways, attachments, endpoints, loadBalancers);
        return [.. await natGateways, .. await attachments, .. await endpoints, .. await loadBalancers];
    }

    public async Task<IReadOnlyList<NetworkAclInfo>> DescribeNetworkAclsAsync(IReadOnlyList<string> vpcIds, CancellationToken cancellationToken)
    {
        if (vpcIds.Count == 0)
        {
            return [];
        }

        var acls = new List<NetworkAclInfo>();
        var request = new DescribeNetworkAclsRequest { Filters = [new("vpc-id", [.. vpcIds])] };
        await foreach (var acl in ec2.Paginators.DescribeNetworkAcls(request).NetworkAcls.WithCancellation(cancellationToken))
        {
            acls.Add(new NetworkAclInfo(
                acl.NetworkAclId,
                acl.VpcId,
                [.. (acl.Associations ?? []).Select(association => association.SubnetId).OfType<string>()],
                [.. (acl.Entries ?? []).Select(entry => new NetworkAclRule(
                    entry.RuleNumber ?? 0, entry.Egress ?? false, entry.RuleAction == RuleAction.Allow, entry.Protocol, entry.CidrBlock ?? entry.Ipv6CidrBlock ?? string.Empty))]));
        }

        return acls;
    }

    /// <remarks>
    /// Refuses, before any call, a CIDR broader than one address. EC2 answers NetworkAclEntryAlreadyExists for a taken rule
    /// number and NetworkAclEntryLimitExceeded past the ACL's quota (20 entries per direction by default, at most 40)
    /// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html,
    /// https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-nacls).
    /// </remarks>
    public async Task CreateNetworkAclDenyAsync(NetworkAclDeny entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!SingleAddress.IsSingleAddress(entry.Cidr))
        {
            throw new ArgumentException($"{entry.Cidr} is not a single address: only /32 and /128 entries are ever written.", nameof(entry));
        }

        var ipv6 = SingleAddress.IsIpv6(entry.Cidr);
        try
        {
            await MutateAsync(() => ec2.CreateNetworkAclEntryAsync(
                new()
                {
                    NetworkAclId = entry.NetworkAclId,
                    RuleNumber = entry.RuleNumber,
                    Egress = entry.Egress,
                    Protocol = "-1",
                    RuleAction = RuleAction.Deny,
                    CidrBlock = ipv6 ? null : entry.Cidr,
                    Ipv6CidrBlock = ipv6 ? entry.Cidr : null,
                    DryRun = DryRun,
                },
                cancellationToken));
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode == "NetworkAclEntryAlreadyExists")
        {
            throw new NetworkAclEntryExistsException($"Rule {entry.RuleNumber} ({Direction(entry.Egress)}) already exists in {entry.NetworkAclId}.", e);
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode == "NetworkAclEntryLimitExceeded")
        {
            throw new NetworkAclFullException($"{entry.NetworkAclId} holds as many {Direction(entry.Egress)} entries as its quota allows.", e);
        }
    }

    public async Task DeleteNetworkAclEntryAsync(string networkAclId, int ruleNumber, bool egress, CancellationToken cancellationToken)
    {
        try
        {
            await MutateAsync(() => ec2.DeleteNetworkAclEntryAsync(
                new() { NetworkAclId = networkAclId, RuleNumber = ruleNumber, Egress = egress, DryRun = DryRun }, cancellationToken));
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode is "InvalidNetworkAclEntry.NotFound" or "InvalidNetworkAclID.NotFound")
        {
            // Gone already (removed by someone else, or the ACL deleted): nothing of ours is left there.
        }
    }

    public async Task<string> DescribeMetadataEndpointAsync(string instanceId, CancellationToken cancellationToken)
    {
        var response = await ec2.DescribeInstancesAsync(new() { InstanceIds = [instanceId] }, cancellationToken);
        var instance = (response.Reservations ?? []).SelectMany(r => r.Instances ?? []).First(i => i.InstanceId == instanceId);
        return instance.MetadataOptions?.HttpEndpoint?.Value ?? "enabled";
    }

    /// <remarks>https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyInstanceMetadataOptions.html</remarks>
    public Task SetMetadataEndpointAsync(string instanceId, string state, CancellationToken cancellationToken) =>
        MutateAsync(() => ec2.ModifyInstanceMetadataOptionsAsync(
            new() { InstanceId = instanceId, HttpEndpoint = InstanceMetadataEndpointState.FindValue(state), DryRun = DryRun }, cancellationToken));

    public async Task<IReadOnlyList<ConnectionTracking>> DescribeConnectionTrackingAsync(
        IReadOnlyList<string> networkInterfaceIds, CancellationToken cancellationToken) =>
        [.. (await DescribeInterfacesByIdAsync(networkInterfaceIds, cancellationToken)).Select(eni => new ConnectionTracking(
            eni.NetworkInterfaceId,
            eni.ConnectionTrackingConfiguration?.TcpEstablishedTimeout,
            eni.ConnectionTrackingConfiguration?.UdpStreamTimeout,
            eni.ConnectionTrackingConfiguration?.UdpTimeout))];

    /// <remarks>
    /// Nitro instances only (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html#connection-tracking-timeouts);
    /// EC2 refuses it elsewhere with UnsupportedOperation.
    /// </remarks>
    public async Task SetConnectionTrackingAsync(ConnectionTracking tracking, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tracking);
        try
        {
            await MutateAsync(() => ec2.ModifyNetworkInterfaceAttributeAsync(
                new()
                {
                    NetworkInterfaceId = tracking.NetworkInterfaceId,
                    ConnectionTrackingSpecification = new()
                    {
                        TcpEstablishedTimeout = tracking.TcpEstablishedTimeout,
                        UdpStreamTimeout = tracking.UdpStreamTimeout,
                        UdpTimeout = tracking.UdpTimeout,
                    },
                    DryRun = DryRun,
                },
                cancellationToken));
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode == "UnsupportedOperation")
        {
            throw new ConnectionTrackingUnsupportedException($"{tracking.NetworkInterfaceId} does not support connection tracking timeouts: {e.Message}", e);
        }
    }

    private async Task<List<NetworkInterface>> DescribeInterfacesByIdAsync(IReadOnlyList<string> networkInterfaceIds, CancellationToken cancellationToken) =>
        networkInterfaceIds.Count == 0 ? [] : await DescribeInterfacesAsync([new("network-interface-id", [.. networkInterfaceIds])], cancellationToken);

    private static string Direction(bool egress) => egress ? "egress" : "ingress";

    private static bool IsNetworkLoadBalancer(NetworkInterface eni) => eni.Description?.StartsWith("ELB net/", StringComparison.Ordinal) == true;

    private static async Task<List<TrackedPathResource>> CollectAsync<T>(
        IPaginatedEnumerable<T> items, Func<T, bool> live, Func<T, TrackedPathResource> map, CancellationToken cancellationToken)
    {
        var found = new List<TrackedPathResource>();
        await foreach (var item in items.WithCancellation(cancellationToken))
        {
            if (live(item))
            {
                found.Add(map(item));
            }
        }

        return found;
    }
}
