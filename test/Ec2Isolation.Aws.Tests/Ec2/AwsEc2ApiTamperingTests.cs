using Amazon.EC2;
using Ec2Isolation.Aws.Ec2;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Ec2;

/// <summary>The reads of a tamper event against moto: by filter, so that an unknown id is left out rather than failing the call.</summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class AwsEc2ApiTamperingTests(MotoServer moto) : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly IAmazonEC2 _ec2 = moto.Clients().CreateEc2();
    private Ec2TestAccount _account = null!;
    private AwsEc2Api _api = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        _account = await Ec2TestAccount.CreateAsync(_ec2);
        _api = new AwsEc2Api(_ec2);
    }

    public Task DisposeAsync()
    {
        _ec2.Dispose();
        return Task.CompletedTask;
    }

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
