using System.Net;
using System.Net.Sockets;

namespace Ec2Isolation.Core.Model;

/// <summary>An ENI of the instance with where it lives and every private address it has.</summary>
/// <param name="HasPrefixes">True when it has delegated IPv4 or IPv6 prefixes: their addresses are not listed one by one.</param>
public sealed record NetworkInterfaceAddresses(
    string NetworkInterfaceId, string VpcId, string SubnetId, IReadOnlyList<string> Addresses, bool HasPrefixes = false);

/// <summary>A route table: the subnets explicitly associated with it (or the VPC's main one) and the targets of its routes.</summary>
public sealed record RouteTableInfo(string RouteTableId, string VpcId, bool IsMain, IReadOnlyList<string> SubnetIds, IReadOnlyList<string> RouteTargets);

/// <summary>What kind of always-tracked path (EC2 User Guide, "Automatically tracked connections").</summary>
public enum TrackedPathKind
{
    NatGateway,
    TransitGatewayAttachment,
    EgressOnlyInternetGateway,
    GatewayLoadBalancerEndpoint,
    InterfaceEndpoint,
    GatewayEndpoint,
    NetworkLoadBalancer,

    /// <summary>An interface Global Accelerator puts in each subnet of its endpoints when it preserves client IP addresses.</summary>
    GlobalAccelerator,
}

/// <summary>
/// A resource of the VPC through which AWS always tracks flows, and the subnets its own interfaces live in (none for
/// an egress-only internet gateway or a gateway endpoint). <paramref name="Via"/> is what routes name it by (the transit
/// gateway of an attachment); <paramref name="ServiceName"/> is an endpoint's service.
/// </summary>
public sealed record TrackedPathResource(
    TrackedPathKind Kind, string Id, string VpcId, IReadOnlyList<string> SubnetIds, string? Via = null, string? ServiceName = null, string? EndpointType = null);

/// <summary>A network ACL: the subnets associated with it and its entries.</summary>
public sealed record NetworkAclInfo(string NetworkAclId, string VpcId, IReadOnlyList<string> SubnetIds, IReadOnlyList<NetworkAclRule> Entries);

/// <summary>One entry of a network ACL: its number and direction, whether it allows, its protocol and its CIDR (IPv4 or IPv6).</summary>
public sealed record NetworkAclRule(int RuleNumber, bool Egress, bool Allow, string Protocol, string Cidr);

/// <summary>A deny entry the isolation added: release removes exactly these.</summary>
public sealed record NetworkAclDeny
{
    public required string NetworkAclId { get; init; }
    public required string VpcId { get; init; }
    public required int RuleNumber { get; init; }
    public required bool Egress { get; init; }

    /// <summary>One address: <c>/32</c> or <c>/128</c>, never broader.</summary>
    public required string Cidr { get; init; }

    /// <summary>The paths it cuts, e.g. <c>nat-0abc (NAT gateway)</c>.</summary>
    public required string Paths { get; init; }

    /// <summary>True when this is the entry as it stands in the ACL: deny all protocols for this one address.</summary>
    public bool IsIn(NetworkAclInfo acl) =>
        acl.NetworkAclId == NetworkAclId
        && acl.Entries.Any(entry => entry.RuleNumber == RuleNumber && entry.Egress == Egress && !entry.Allow && entry.Protocol == "-1"
            && SameAddress(entry.Cidr, Cidr));

    private static bool SameAddress(string left, string right) =>
        IPNetwork.TryParse(left, out var a) && IPNetwork.TryParse(right, out var b) && a.Equals(b);
}

/// <summary>A path the isolation could not cut, and why: the responder decides (free a rule number, or stop the instance after memory capture).</summary>
public sealed record OpenPath(string Path, string Reason)
{
    public override string ToString() => $"{Path}: {Reason}";
}

/// <summary>The one-address CIDR of an address: the only kind of CIDR the isolation writes into a network ACL.</summary>
public static class SingleAddress
{
    public static string Cidr(string address) =>
        IPAddress.TryParse(address, out var ip)
            ? $"{ip}/{(ip.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32)}"
            : throw new FormatException($"'{address}' is not an IP address");

    /// <summary>True only for <c>/32</c> (IPv4) and <c>/128</c> (IPv6).</summary>
    public static bool IsSingleAddress(string cidr) =>
        IPNetwork.TryParse(cidr, out var network)
        && network.PrefixLength == (network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32);

    public static bool IsIpv6(string cidr) => cidr.Contains(':', StringComparison.Ordinal);
}
