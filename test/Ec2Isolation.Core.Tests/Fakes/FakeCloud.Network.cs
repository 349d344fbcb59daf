using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Tests.Fakes;

/// <summary>
/// The network as EC2 has it and moto does not: ENIs of other VPCs, whose groups must be of their own VPC; trunk ENIs
/// with branch ENIs DescribeInstances does not list; and EC2's eventual consistency after a change.
/// </summary>
internal sealed partial class FakeCloud
{
    private readonly Dictionary<string, int> _unknownFor = [];
    private readonly Dictionary<string, List<string>> _groupsBeforeChange = [];

    /// <summary>The VPC of each ENI that is not in its instance's VPC (multi-VPC attachments) and of each branch ENI.</summary>
    public Dictionary<string, string> EniVpcs { get; } = [];

    /// <summary>The trunk ENIs (InterfaceType <c>trunk</c>).</summary>
    public HashSet<string> TrunkEnis { get; } = [];

    /// <summary>Branch ENIs by their trunk: not listed by DescribeInstances.</summary>
    public Dictionary<string, List<string>> Branches { get; } = [];

    /// <summary>What the branch search reports it could not cover (a refused DescribeTrunkInterfaceAssociations, say).</summary>
    public List<string> BranchSearchGaps { get; } = [];

    /// <summary>
    /// How many calls naming a group created afterwards answer <c>InvalidGroup.NotFound</c> before EC2 knows it: EC2's API is
    /// eventually consistent, and a group "might not have propagated throughout the system"
    /// (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html).
    /// </summary>
    public int NotFoundAfterCreate { get; set; }

    /// <summary>How many DescribeNetworkInterfaces calls still show each ENI's groups from before its last change (the same page).</summary>
    public int StaleInterfaceReads { get; set; }

    /// <summary>How many DescribeSecurityGroups calls do not show the groups yet (they were created a moment ago, by another run).</summary>
    public int LaggingGroupReads { get; set; }

    /// <summary>
    /// Whether a new group gets an egress rule to <c>::/0</c> in a VPC with IPv6 (public sources disagree on whether EC2
    /// adds it; moto does).
    /// </summary>
    public bool NewGroupsGetIpv6Egress { get; set; } = true;

    /// <summary>Attaches a new ENI of <paramref name="vpcId"/> to the instance (a multi-VPC attachment when it is another VPC).</summary>
    public string AttachEni(string instanceId, string vpcId, params string[] groupIds)
    {
        var instance = Instances[instanceId];
        var eni = $"eni-{instanceId[2..]}{instance.Enis.Count}";
        instance.Enis.Add(eni);
        EniGroups[eni] = [.. groupIds];
        EniVpcs[eni] = vpcId;
        return eni;
    }

    /// <summary>Makes the ENI a trunk, with a branch ENI (in the trunk's VPC) for each group list given.</summary>
    public IReadOnlyList<string> AddBranches(string trunkEni, params string[][] groupsOfEachBranch)
    {
        TrunkEnis.Add(trunkEni);
        var branches = Branches.TryGetValue(trunkEni, out var known) ? known : Branches[trunkEni] = [];
        foreach (var groups in groupsOfEachBranch)
        {
            var branch = $"{trunkEni}-branch{branches.Count}";
            branches.Add(branch);
            EniGroups[branch] = [.. groups];
            EniVpcs[branch] = VpcOfEni(trunkEni);
        }

        return branches;
    }

    public Task<BranchInterfaces> FindBranchInterfacesAsync(IReadOnlyList<string> trunkInterfaceIds, CancellationToken cancellationToken) =>
        Call("DescribeTrunkInterfaceAssociations", () =>
        {
            lock (_lock)
            {
                var found = trunkInterfaceIds.SelectMany(trunk => Branches.GetValueOrDefault(trunk, []).Select(branch =>
                    new NetworkInterfaceGroups(branch, [.. EniGroups[branch]]) { VpcId = VpcOfEni(branch), TrunkInterfaceId = trunk }));
                return new BranchInterfaces([.. found], [.. BranchSearchGaps]);
            }
        });

    private string VpcOfEni(string eni) =>
        EniVpcs.TryGetValue(eni, out var vpcId) ? vpcId : Instances.Values.First(i => i.Enis.Contains(eni)).VpcId;

    private void OnGroupCreated(string groupId)
    {
        if (NotFoundAfterCreate > 0)
        {
            _unknownFor[groupId] = NotFoundAfterCreate;
        }
    }

    /// <summary>A group created a moment ago may still be unknown to the next calls naming it.</summary>
    private void ThrowIfUnknownYet(IEnumerable<string> groupIds)
    {
        foreach (var groupId in groupIds)
        {
            if (_unknownFor.TryGetValue(groupId, out var remaining) && remaining > 0)
            {
                _unknownFor[groupId] = remaining - 1;
                throw new SecurityGroupNotFoundException($"InvalidGroup.NotFound: The security group '{groupId}' does not exist");
            }
        }
    }

    /// <summary>
    /// EC2 refuses a group of another VPC on an ENI: "InvalidGroup.NotFound: You have specified two resources that belong
    /// to different networks" (philips-software/go-hsdp-api#43; a group belongs to its VPC,
    /// https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html). moto accepts it (moto.md).
    /// </summary>
    private void ThrowIfOfAnotherVpc(string networkInterfaceId, IEnumerable<string> groupIds)
    {
        var vpcId = VpcOfEni(networkInterfaceId);
        if (groupIds.Select(id => Groups.Find(g => g.GroupId == id)).Any(group => group is not null && group.VpcId != vpcId))
        {
            throw new InvalidOperationException("InvalidGroup.NotFound: You have specified two resources that belong to different networks.");
        }
    }

    private void RememberBeforeChange(string networkInterfaceId) =>
        _groupsBeforeChange[networkInterfaceId] = EniGroups[networkInterfaceId];

    private bool TakeLaggingGroupRead()
    {
        if (LaggingGroupReads <= 0)
        {
            return false;
        }

        LaggingGroupReads--;
        return true;
    }

    private bool TakeStaleRead()
    {
        if (StaleInterfaceReads <= 0)
        {
            return false;
        }

        StaleInterfaceReads--;
        return true;
    }

    private List<string> ReadGroups(string networkInterfaceId, bool stale) =>
        stale && _groupsBeforeChange.TryGetValue(networkInterfaceId, out var before) ? before : EniGroups[networkInterfaceId];
}
