using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Ports;

/// <summary>The calls that cut what security groups cannot: always-tracked paths, the metadata service, connection tracking.</summary>
public partial interface IEc2Api
{
    /// <summary>The ENIs with their VPC, subnet and every private address (IPv4 and IPv6); ENIs EC2 no longer knows are left out.</summary>
    Task<IReadOnlyList<NetworkInterfaceAddresses>> DescribeNetworkInterfaceAddressesAsync(IReadOnlyList<string> networkInterfaceIds, CancellationToken cancellationToken);

    Task<IReadOnlyList<RouteTableInfo>> DescribeRouteTablesAsync(string vpcId, CancellationToken cancellationToken);

    /// <summary>The VPC's NAT gateways, transit gateway attachments, VPC endpoints and the network interfaces of its Network Load Balancers.</summary>
    Task<IReadOnlyList<TrackedPathResource>> DescribeTrackedPathResourcesAsync(string vpcId, CancellationToken cancellationToken);

    Task<IReadOnlyList<NetworkAclInfo>> DescribeNetworkAclsAsync(IReadOnlyList<string> vpcIds, CancellationToken cancellationToken);

    /// <summary>
    /// Adds a deny of all traffic for one address. Throws <see cref="NetworkAclEntryExistsException"/> when the rule number is
    /// taken in that direction, <see cref="NetworkAclFullException"/> when the ACL holds as many entries as its quota allows.
    /// </summary>
    Task CreateNetworkAclDenyAsync(NetworkAclDeny entry, CancellationToken cancellationToken);

    /// <summary>Removes an entry; an entry (or ACL) that is gone is not an error.</summary>
    Task DeleteNetworkAclEntryAsync(string networkAclId, int ruleNumber, bool egress, CancellationToken cancellationToken);

    /// <summary>The instance metadata service's HTTP endpoint state: "enabled" or "disabled".</summary>
    Task<string> DescribeMetadataEndpointAsync(string instanceId, CancellationToken cancellationToken);

    Task SetMetadataEndpointAsync(string instanceId, string state, CancellationToken cancellationToken);

    /// <summary>The ENIs' connection tracking timeouts (none reported on an ENI that has the defaults).</summary>
    Task<IReadOnlyList<ConnectionTracking>> DescribeConnectionTrackingAsync(IReadOnlyList<string> networkInterfaceIds, CancellationToken cancellationToken);

    /// <summary>Sets an ENI's timeouts; throws <see cref="ConnectionTrackingUnsupportedException"/> on an ENI that is not on Nitro.</summary>
    Task SetConnectionTrackingAsync(ConnectionTracking tracking, CancellationToken cancellationToken);
}

/// <summary>The rule number is already taken in that direction of the ACL (EC2 error NetworkAclEntryAlreadyExists).</summary>
public sealed class NetworkAclEntryExistsException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>The ACL holds as many entries in that direction as its quota allows (EC2 error NetworkAclEntryLimitExceeded).</summary>
public sealed class NetworkAclFullException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>The ENI does not support connection tracking timeouts (not on the Nitro System).</summary>
public sealed class ConnectionTrackingUnsupportedException(string message, Exception? innerException = null) : Exception(message, innerException);
