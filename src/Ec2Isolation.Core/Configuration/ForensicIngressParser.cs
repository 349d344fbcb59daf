using System.Globalization;
using System.Net;
using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Configuration;

/// <summary>
/// Parses forensic ingress: comma-separated <c>PEER:PORT</c> or <c>PEER:FROM-TO</c>, where PEER is an IPv4 or IPv6 CIDR
/// or a security group id, e.g. <c>10.0.9.0/24:22,sg-0abc:22-23</c>. TCP only.
/// </summary>
public static class ForensicIngressParser
{
    public static IReadOnlyList<SecurityGroupRule> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rules = new List<SecurityGroupRule>();
        foreach (var entry in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var separator = entry.LastIndexOf(':');
            if (separator <= 0)
            {
                throw new FormatException($"'{entry}' is not PEER:PORT (a CIDR or sg- id, then a port or range)");
            }

            var peer = entry[..separator];
            var (from, to) = ParsePorts(entry[(separator + 1)..], entry);
            if (!IsGroupId(peer) && !IsCidr(peer))
            {
                throw new FormatException($"'{peer}' in '{entry}' is neither a CIDR nor a security group id");
            }

            rules.Add(new SecurityGroupRule("tcp", from, to, peer));
        }

        return rules;
    }

    private static (int From, int To) ParsePorts(string ports, string entry)
    {
        var parts = ports.Split('-');
        if (parts.Length is 1 or 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var from)
            && int.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var to)
            && from is >= 0 and <= 65535 && to is >= 0 and <= 65535 && from <= to)
        {
            return (from, to);
        }

        throw new FormatException($"'{ports}' in '{entry}' is not a port or a range of ports from 0 to 65535");
    }

    private static bool IsGroupId(string peer) =>
        peer.StartsWith("sg-", StringComparison.Ordinal) && peer.Length > 3 && peer[3..].All(char.IsAsciiHexDigitLower);

    private static bool IsCidr(string peer)
    {
        var slash = peer.IndexOf('/', StringComparison.Ordinal);
        return slash > 0
            && IPAddress.TryParse(peer[..slash], out var address)
            && int.TryParse(peer[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)
            && prefix <= (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32);
    }
}
