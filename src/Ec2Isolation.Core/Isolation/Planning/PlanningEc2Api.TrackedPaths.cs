using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Isolation.Planning;

/// <summary>The plan of the network ACL, metadata and connection tracking changes: each entry it would add is listed.</summary>
internal sealed partial class PlanningEc2Api
{
    public Task<IReadOnlyList<NetworkInterfaceAddresses>> DescribeNetworkInterfaceAddressesAsync(IReadOnlyList<string> networkInterfaceIds, CancellationToken cancellationToken) =>
        ec2.DescribeNetworkInterfaceAddressesAsync(networkInterfaceIds, cancellationToken);

    public Task<IReadOnlyList<RouteTableInfo>> DescribeRouteTablesAsync(string vpcId, CancellationToken cancellationToken) =>
        ec2.DescribeRouteTablesAsync(vpcId, cancellationToken);

    public Task<IReadOnlyList<TrackedPathResource>> DescribeTrackedPathResourcesAsync(string vpcId, CancellationToken cancellationToken) =>
        ec2.DescribeTrackedPathResourcesAsync(vpcId, cancellationToken);

    public Task<IReadOnlyList<NetworkAclInfo>> DescribeNetworkAclsAsync(IReadOnlyList<string> vpcIds, CancellationToken cancellationToken) =>
        ec2.DescribeNetworkAclsAsync(vpcIds, cancellationToken);

    public Task<string> DescribeMetadataEndpointAsync(string instanceId, CancellationToken cancellationToken) =>
        ec2.DescribeMetadataEndpointAsync(instanceId, cancellationToken);

    public Task<IReadOnlyList<ConnectionTracking>> DescribeConnectionTrackingAsync(IReadOnlyList<string> networkInterfaceIds, CancellationToken cancellationToken) =>
        ec2.DescribeConnectionTrackingAsync(networkInterfaceIds, cancellationToken);

    public Task CreateNetworkAclDenyAsync(NetworkAclDeny entry, CancellationToken cancellationToken) =>
        plan.Ec2Async("CreateNetworkAclEntry", entry.NetworkAclId,
            $"rule {entry.RuleNumber} {(entry.Egress ? "egress" : "ingress")} deny all {entry.Cidr} ({entry.Paths})",
            () => plan.Probe.CreateNetworkAclDenyAsync(entry, cancellationToken));

    public Task DeleteNetworkAclEntryAsync(string networkAclId, int ruleNumber, bool egress, CancellationToken cancellationToken) =>
        plan.Ec2Async("DeleteNetworkAclEntry", networkAclId, $"rule {ruleNumber} {(egress ? "egress" : "ingress")}",
            () => plan.Probe.DeleteNetworkAclEntryAsync(networkAclId, ruleNumber, egress, cancellationToken));

    public Task SetMetadataEndpointAsync(string instanceId, string state, CancellationToken cancellationToken) =>
        plan.Ec2Async("ModifyInstanceMetadataOptions", instanceId, "httpEndpoint=" + state,
            () => plan.Probe.SetMetadataEndpointAsync(instanceId, state, cancellationToken));

    public Task SetConnectionTrackingAsync(ConnectionTracking tracking, CancellationToken cancellationToken) =>
        plan.Ec2Async("ModifyNetworkInterfaceAttribute", tracking.NetworkInterfaceId,
            $"connection tracking: tcpEstablished={tracking.TcpEstablishedTimeout}s, udpStream={tracking.UdpStreamTimeout}s, udp={tracking.UdpTimeout}s",
            () => plan.Probe.SetConnectionTrackingAsync(tracking, cancellationToken));
}
