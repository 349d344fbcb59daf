using Amazon.EC2.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Bench;

/// <summary>
/// A realistic account in the emulator: <see cref="MotoAccount"/> (record table, isolation and application profiles,
/// a VPC) plus web, app and db groups, background instances with the application profile, an Auto Scaling group
/// behind a target group, and more VPCs with instances of their own.
/// </summary>
internal sealed class BenchAccount(MotoAccount account, IReadOnlyList<Ec2TestAccount> vpcs) : IDisposable
{
    private readonly Dictionary<string, string> _webGroups = [];

    public MotoAccount Moto { get; } = account;

    /// <summary>The first VPC, whose isolation groups the warm-up creates: the "groups present" case.</summary>
    public Ec2TestAccount Shared => Vpcs[0];

    public IReadOnlyList<Ec2TestAccount> Vpcs { get; } = vpcs;

    public static async Task<BenchAccount> CreateAsync(MotoServer moto, int extraVpcs, int backgroundPerVpc)
    {
        var account = await MotoAccount.CreateAsync(moto);
        List<Ec2TestAccount> vpcs = [account.Network];
        for (var i = 0; i < extraVpcs; i++)
        {
            vpcs.Add(await Ec2TestAccount.CreateAsync(account.Ec2));
        }

        var bench = new BenchAccount(account, vpcs);
        foreach (var vpc in vpcs)
        {
            var app = await vpc.CreateGroupAsync("app");
            var db = await vpc.CreateGroupAsync("db");
            for (var i = 0; i < backgroundPerVpc; i++)
            {
                await bench.RunInstanceAsync(vpc, interfaces: 1 + (i % 2), i % 3 == 0 ? [app, db] : [app]);
            }
        }

        await account.CreateAutoScalingMemberBehindTargetGroupAsync(await bench.WebGroupAsync(account.Network));
        return bench;
    }

    public Task<Ec2TestAccount> NewVpcAsync() => Ec2TestAccount.CreateAsync(Moto.Ec2);

    /// <summary>
    /// A web instance with the application profile, every interface in the VPC's web group, tagged for isolation as an
    /// analyst tags it before its Tag Change event arrives (the function acts on the event only while the tag is there).
    /// </summary>
    public async Task<string> RunWebInstanceAsync(Ec2TestAccount vpc, int interfaces)
    {
        var instanceId = await RunInstanceAsync(vpc, interfaces, [await WebGroupAsync(vpc)]);
        await vpc.ApplyTriggerTagAsync(instanceId);
        return instanceId;
    }

    public async Task<string> FindGroupIdAsync(string vpcId, string groupName) =>
        (await Moto.Ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
        {
            Filters = [new("vpc-id", [vpcId]), new("group-name", [groupName])],
        })).SecurityGroups.Single().GroupId;

    /// <summary>Deletes groups by name in a VPC (moto deletes a group still in use; real EC2 would refuse).</summary>
    public async Task DeleteGroupsAsync(string vpcId, IReadOnlyList<string> groupNames)
    {
        foreach (var name in groupNames)
        {
            await Moto.Ec2.DeleteSecurityGroupAsync(new DeleteSecurityGroupRequest { GroupId = await FindGroupIdAsync(vpcId, name) });
        }
    }

    public void Dispose() => Moto.Dispose();

    private async Task<string> RunInstanceAsync(Ec2TestAccount vpc, int interfaces, IReadOnlyList<string> groups)
    {
        var instance = await vpc.RunInstanceAsync([.. Enumerable.Repeat(groups, interfaces)]);
        await Moto.AssociateAppProfileAsync(instance.InstanceId);
        return instance.InstanceId;
    }

    private async Task<string> WebGroupAsync(Ec2TestAccount vpc)
    {
        if (!_webGroups.TryGetValue(vpc.VpcId, out var groupId))
        {
            groupId = _webGroups[vpc.VpcId] = await vpc.CreateGroupAsync("web");
        }

        return groupId;
    }
}
