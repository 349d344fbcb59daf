using Amazon.EC2;
using Amazon.EC2.Model;

namespace Ec2Isolation.TestSupport;

/// <summary>
/// The commonest always-tracked path (issue 16): the VPC's subnet routes its default route to a NAT gateway in a public
/// subnet that has its own network ACL (allow all at rule 100, both ways). The isolation cuts it in that ACL.
/// </summary>
public static class NatGatewayPath
{
    /// <returns>The public subnet's network ACL.</returns>
    public static async Task<string> CreateAsync(Ec2TestAccount vpc, string publicCidr = "10.0.9.0/24")
    {
        ArgumentNullException.ThrowIfNull(vpc);
        var ec2 = vpc.Ec2;
        var publicSubnet = (await ec2.CreateSubnetAsync(new() { VpcId = vpc.VpcId, CidrBlock = publicCidr })).Subnet.SubnetId;
        var acl = (await ec2.CreateNetworkAclAsync(new() { VpcId = vpc.VpcId })).NetworkAcl.NetworkAclId;
        foreach (var egress in new[] { false, true })
        {
            await ec2.CreateNetworkAclEntryAsync(new()
            {
                NetworkAclId = acl, RuleNumber = 100, Egress = egress, Protocol = "-1", RuleAction = RuleAction.Allow, CidrBlock = "0.0.0.0/0",
            });
        }

        var current = (await ec2.DescribeNetworkAclsAsync(new DescribeNetworkAclsRequest { Filters = [new("association.subnet-id", [publicSubnet])] })).NetworkAcls
            .SelectMany(a => a.Associations).Single(a => a.SubnetId == publicSubnet);
        await ec2.ReplaceNetworkAclAssociationAsync(new() { AssociationId = current.NetworkAclAssociationId, NetworkAclId = acl });
        var allocation = (await ec2.AllocateAddressAsync(new AllocateAddressRequest { Domain = DomainType.Vpc })).AllocationId;
        var nat = (await ec2.CreateNatGatewayAsync(new() { SubnetId = publicSubnet, AllocationId = allocation })).NatGateway.NatGatewayId;
        var routeTable = (await ec2.CreateRouteTableAsync(new() { VpcId = vpc.VpcId })).RouteTable.RouteTableId;
        await ec2.CreateRouteAsync(new() { RouteTableId = routeTable, DestinationCidrBlock = "0.0.0.0/0", NatGatewayId = nat });
        await ec2.AssociateRouteTableAsync(new() { RouteTableId = routeTable, SubnetId = vpc.SubnetId });
        return acl;
    }
}
