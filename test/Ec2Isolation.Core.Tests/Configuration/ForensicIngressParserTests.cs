using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Tests.Configuration;

public sealed class ForensicIngressParserTests
{
    [Fact]
    public void Parse_Ipv6CidrWithRange_OneTcpRule()
    {
        var rules = ForensicIngressParser.Parse("2001:db8::/64:443-444");

        Assert.Equal([new SecurityGroupRule("tcp", 443, 444, "2001:db8::/64")], rules);
        Assert.True(rules[0].PeerIsIpv6);
    }

    [Theory]
    [InlineData("10.0.0.0/24")]
    [InlineData("10.0.0.0/33:22")]
    [InlineData("10.0.0.0/24:70000")]
    [InlineData("10.0.0.0/24:23-22")]
    [InlineData("sg-XYZ:22")]
    [InlineData("anywhere:22")]
    public void Parse_Malformed_FormatExceptionQuotingTheEntry(string text)
    {
        var error = Assert.Throws<FormatException>(() => ForensicIngressParser.Parse(text));

        Assert.Contains(text.Split(':')[0], error.Message, StringComparison.Ordinal);
    }
}
