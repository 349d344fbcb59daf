using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.Tests.Ec2;

/// <summary>The reads of a tamper event: by filter, so that an unknown id is left out rather than failing the call.</summary>
public sealed partial class AwsEc2ApiTests
{
    [Fact]
    public async Task FindAttachedInstancesAsync_AttachedAndUnknownInterfaces_MapsTheAttachedOnly()
    {
        var web = await _account.CreateGroupAsync("web");
        var instance = await _account.RunInstanceAsync([web], [web]);

        var attached = await _api.FindAttachedInstancesAsync([instance.NetworkInterfaceIds[1], "eni-0123456789abcdef0"], None);

        Assert.Equal(new Dictionary<string, string> { [instance.NetworkInterfaceIds[1]] = instance.InstanceId }, attached);
    }

    [Fact]
    public async Task DescribeSecurityGroupAsync_GroupWithARuleAdded_ReadsItsNameAndRules()
    {
        var quarantine = await _account.CreateGroupAsync("ec2-isolation-quarantine");
        var ssh = new SecurityGroupRule("tcp", 22, 22, "0.0.0.0/0");
        await _api.AuthorizeAsync(quarantine, RuleDirection.Ingress, [ssh], None);

        var group = await _api.DescribeSecurityGroupAsync(quarantine, None);

        Assert.NotNull(group);
        Assert.Equal(("ec2-isolation-quarantine", _account.VpcId), (group.GroupName, group.VpcId));
        Assert.Equal([ssh], group.Ingress);
    }

    [Fact]
    public async Task DescribeSecurityGroupAsync_UnknownGroup_Null() =>
        Assert.Null(await _api.DescribeSecurityGroupAsync("sg-0123456789abcdef0", None));
}
