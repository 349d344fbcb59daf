using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Tests.Fakes;

/// <summary>
/// Network ACLs, route tables, the VPC's always-tracked path resources, the metadata service and connection tracking,
/// with EC2's refusals: a taken rule number (NetworkAclEntryAlreadyExists), an ACL at its quota (NetworkAclEntryLimitExceeded,
/// 20 entries per direction by default, the default "*" entry not counted;
/// https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-nacls,
/// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html), a CIDR broader than one address
/// (the tool's own invariant, enforced here too), and connection tracking on an ENI not on Nitro (UnsupportedOperation).
/// </summary>
internal sealed partial class FakeCloud
{
    public const int AclEntryQuota = 20;

    /// <summary>Each ENI's subnet and addresses; an ENI without an entry is in its instance's subnet with one address.</summary>
    public Dictionary<string, NetworkInterfaceAddresses> EniAddresses { get; } = [];
    public List<RouteTableInfo> RouteTables { get; } = [];
    public List<TrackedPathResource> PathResources { get; } = [];
    public List<FakeAcl> Acls { get; } = [];
    public Dictionary<string, string> MetadataEndpoints { get; } = [];
    public Dictionary<string, ConnectionTracking> Tracking { get; } = [];
    public HashSet<string> NonNitroEnis { get; } = [];

    /// <summary>DeleteNetworkAclEntry calls that EC2 would have answered InvalidNetworkAclEntry.NotFound.</summary>
    public int MissingAclEntryDeletes { get; private set; }

    /// <summary>Every CIDR ever written into an ACL by the tool, for the one-address invariant.</summary>
    public List<string> WrittenAclCidrs { get; } = [];

    /// <summary>A VPC with a private subnet routed to a NAT gateway in a public subnet, each subnet with its own ACL (allow-all at 100).</summary>
    public (FakeAcl Private, FakeAcl Public) AddNatVpc(string vpcId, string privateSubnet = "subnet-1", string publicSubnet = "subnet-pub", string natId = "nat-1")
    {
        RouteTables.Add(new RouteTableInfo("rtb-private", vpcId, IsMain: false, [privateSubnet], ["local", natId]));
        PathResources.Add(new TrackedPathResource(TrackedPathKind.NatGateway, natId, vpcId, [publicSubnet]));
        return (AddAcl("acl-private", vpcId, privateSubnet), AddAcl("acl-public", vpcId, publicSubnet));
    }

    public FakeAcl AddAcl(string aclId, string vpcId, params string[] subnets)
    {
        var acl = new FakeAcl { NetworkAclId = aclId, VpcId = vpcId, SubnetIds = [.. subnets] };
        foreach (var egress in new[] { false, true })
        {
            acl.Entries.Add(new NetworkAclRule(100, egress, Allow: true, "-1", "0.0.0.0/0"));
            acl.Entries.Add(new NetworkAclRule(32767, egress, Allow: false, "-1", "0.0.0.0/0"));
        }

        Acls.Add(acl);
        return acl;
    }

    public Task<IReadOnlyList<NetworkInterfaceAddresses>> DescribeNetworkInterfaceAddressesAsync(IReadOnlyList<string> networkInterfaceIds, CancellationToken cancellationToken) =>
        Call("DescribeNetworkInterfaces:addresses", () => (IReadOnlyList<NetworkInterfaceAddresses>)[.. networkInterfaceIds.Select(AddressesOf)]);

    public Task<IReadOnlyList<RouteTableInfo>> DescribeRouteTablesAsync(string vpcId, CancellationToken cancellationToken) =>
        Call("DescribeRouteTables", () => (IReadOnlyList<RouteTableInfo>)[.. RouteTables.Where(t => t.VpcId == vpcId)]);

    public Task<IReadOnlyList<TrackedPathResource>> DescribeTrackedPathResourcesAsync(string vpcId, CancellationToken cancellationToken) =>
        Call("DescribeTrackedPathResources", () => (IReadOnlyList<TrackedPathResource>)[.. PathResources.Where(r => r.VpcId == vpcId)]);

    public Task<IReadOnlyList<NetworkAclInfo>> DescribeNetworkAclsAsync(IReadOnlyList<string> vpcIds, CancellationToken cancellationToken) =>
        Call("DescribeNetworkAcls", () =>
        {
            lock (_lock)
            {
                return (IReadOnlyList<NetworkAclInfo>)[.. Acls.Where(acl => vpcIds.Contains(acl.VpcId)).Select(acl => acl.ToInfo())];
            }
        });

    public Task CreateNetworkAclDenyAsync(NetworkAclDeny entry, CancellationToken cancellationToken) =>
        Call("CreateNetworkAclEntry", () =>
        {
            lock (_lock)
            {
                WrittenAclCidrs.Add(entry.Cidr);
                if (!SingleAddress.IsSingleAddress(entry.Cidr))
                {
                    throw new InvalidOperationException($"invariant broken: {entry.Cidr} is broader than one address");
                }

                var acl = Acls.Single(a => a.NetworkAclId == entry.NetworkAclId);
                var direction = acl.Entries.Where(e => e.Egress == entry.Egress).ToList();
                if (direction.Exists(e => e.RuleNumber == entry.RuleNumber))
                {
                    throw new NetworkAclEntryExistsException($"NetworkAclEntryAlreadyExists: {entry.RuleNumber}");
                }

                if (direction.Count(e => e.RuleNumber != 32767) >= AclEntryQuota)
                {
                    throw new NetworkAclFullException("NetworkAclEntryLimitExceeded");
                }

                acl.Entries.Add(new NetworkAclRule(entry.RuleNumber, entry.Egress, Allow: false, "-1", entry.Cidr));
            }

            return true;
        });

    /// <summary>
    /// EC2 answers <c>InvalidNetworkAclEntry.NotFound</c> for an entry that is not there, <c>InvalidNetworkAclID.NotFound</c>
    /// for a deleted ACL (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html); the adapter takes
    /// both for "gone already", as the port says, so the fake removes nothing and counts the call in <see cref="MissingAclEntryDeletes"/>.
    /// </summary>
    public Task DeleteNetworkAclEntryAsync(string networkAclId, int ruleNumber, bool egress, CancellationToken cancellationToken) =>
        Call("DeleteNetworkAclEntry", () =>
        {
            lock (_lock)
            {
                var removed = Acls.Find(a => a.NetworkAclId == networkAclId)?.Entries.RemoveAll(e => e.RuleNumber == ruleNumber && e.Egress == egress) ?? 0;
                MissingAclEntryDeletes += removed == 0 ? 1 : 0;
                return removed;
            }
        });

    public Task<string> DescribeMetadataEndpointAsync(string instanceId, CancellationToken cancellationToken) =>
        Call("DescribeInstances:metadata", () => MetadataEndpoints.GetValueOrDefault(instanceId, "enabled"));

    public Task SetMetadataEndpointAsync(string instanceId, string state, CancellationToken cancellationToken) =>
        Call("ModifyInstanceMetadataOptions", () => MetadataEndpoints[instanceId] = state);

    public Task<IReadOnlyList<ConnectionTracking>> DescribeConnectionTrackingAsync(IReadOnlyList<string> networkInterfaceIds, CancellationToken cancellationToken) =>
        Call("DescribeNetworkInterfaces:tracking", () => (IReadOnlyList<ConnectionTracking>)[.. networkInterfaceIds
            .Select(id => Tracking.GetValueOrDefault(id) ?? new ConnectionTracking(id, null, null, null))]);

    public Task SetConnectionTrackingAsync(ConnectionTracking tracking, CancellationToken cancellationToken) =>
        Call("ModifyNetworkInterfaceAttribute:tracking@" + tracking.NetworkInterfaceId, () =>
        {
            lock (_lock)
            {
                if (NonNitroEnis.Contains(tracking.NetworkInterfaceId))
                {
                    throw new ConnectionTrackingUnsupportedException("UnsupportedOperation: not a Nitro instance");
                }

                return Tracking[tracking.NetworkInterfaceId] = tracking;
            }
        });

    private NetworkInterfaceAddresses AddressesOf(string eni)
    {
        if (EniAddresses.TryGetValue(eni, out var addresses))
        {
            return addresses;
        }

        var instance = Instances.Values.First(i => i.Enis.Contains(eni));
        return new NetworkInterfaceAddresses(eni, instance.VpcId, instance.SubnetId, [$"10.0.1.{10 + instance.Enis.IndexOf(eni)}"]);
    }
}

internal sealed class FakeAcl
{
    public required string NetworkAclId { get; init; }
    public required string VpcId { get; init; }
    public required List<string> SubnetIds { get; init; }
    public List<NetworkAclRule> Entries { get; } = [];

    public IEnumerable<NetworkAclRule> Denies => Entries.Where(e => !e.Allow && e.RuleNumber != 32767);

    public NetworkAclInfo ToInfo() => new(NetworkAclId, VpcId, [.. SubnetIds], [.. Entries]);
}
