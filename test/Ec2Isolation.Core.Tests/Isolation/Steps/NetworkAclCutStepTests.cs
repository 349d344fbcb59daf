using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace Ec2Isolation.Core.Tests.Isolation.Steps;

public sealed class NetworkAclCutStepTests
{
    private const string InstanceId = "i-0123456789abcdef0";
    private const string VpcId = "vpc-1";

    private readonly FakeCloud _cloud = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));
    private IsolationSettings _settings = new() { TableName = "records", IsolationInstanceProfile = FakeCloud.IsolationProfileArn };

    private IsolationService CreateSut() => new(
        new AwsApis(_cloud, _cloud, _cloud, _cloud, _cloud, _cloud, _cloud), new Mock<IEc2Api>().Object, _cloud, _settings, "us-east-1", _time, NullLogger<IsolationService>.Instance);

    private static IsolationRequest Request() => new(InstanceId, "C2 through the NAT gateway", "INC-16", "tester");

    [Fact]
    public async Task IsolateAsync_PrivateSubnetBehindNatGateway_NatSubnetAclDeniesTheAddressBothWaysAheadOfTheAllows()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var (privateAcl, publicAcl) = _cloud.AddNatVpc(VpcId);

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Empty(privateAcl.Denies);
        Assert.Equal([(false, "10.0.1.10/32"), (true, "10.0.1.10/32")], publicAcl.Denies.Select(e => (e.Egress, e.Cidr)).Order());
        Assert.All(publicAcl.Denies, deny => Assert.True(deny.RuleNumber < 100));
        var recorded = _cloud.StoredRecord(InstanceId)!.Artifacts.NetworkAclDenies;
        Assert.Equal(publicAcl.Denies.Select(e => (e.RuleNumber, e.Egress)).Order(), recorded.Select(e => (e.RuleNumber, e.Egress)).Order());
        Assert.All(recorded, entry => Assert.Contains("nat-1 (NAT gateway)", entry.Paths, StringComparison.Ordinal));
    }

    [Fact]
    public async Task IsolateAsync_NatGatewayCut_NoCallBeforeTheSecurityGroupCutIsAdded()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        _cloud.AddNatVpc(VpcId);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        var calls = _cloud.Calls.ToList();
        var lastMove = calls.FindLastIndex(call => call.StartsWith("ModifyNetworkInterfaceAttribute:", StringComparison.Ordinal));
        var firstAclCall = calls.FindIndex(call => call is "DescribeNetworkInterfaces:addresses" or "DescribeRouteTables" or "DescribeNetworkAcls");
        Assert.True(firstAclCall > lastMove, string.Join(", ", calls));
    }

    [Fact]
    public async Task ReleaseAsync_AfterTheCut_EveryAclAsItWas()
    {
        _cloud.AddInstance(InstanceId, VpcId, enis: 2);
        _cloud.AddNatVpc(VpcId);
        var before = _cloud.Acls.Select(acl => acl.ToInfo().Entries.ToList()).ToList();
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);

        Assert.Equal(before, _cloud.Acls.Select(acl => acl.ToInfo().Entries.ToList()));
        Assert.Empty(_cloud.StoredRecord(InstanceId)!.Artifacts.NetworkAclDenies);
    }

    [Fact]
    public async Task IsolateAsync_DualStackMultiEniBehindNatAndEndpoint_EveryAddressDeniedAndNothingBroaderThanOneAddress()
    {
        var instance = _cloud.AddInstance(InstanceId, VpcId, enis: 2);
        _cloud.EniAddresses[instance.Enis[0]] = new(instance.Enis[0], VpcId, "subnet-1", ["10.0.1.10", "10.0.1.11", "2600:1f18::10"]);
        _cloud.EniAddresses[instance.Enis[1]] = new(instance.Enis[1], VpcId, "subnet-2", ["10.0.2.10"]);
        var (_, publicAcl) = _cloud.AddNatVpc(VpcId);
        _cloud.AddAcl("acl-second", VpcId, "subnet-2");
        _cloud.RouteTables.Add(new("rtb-main", VpcId, IsMain: true, [], ["local", "nat-1"]));
        var endpointAcl = _cloud.AddAcl("acl-endpoints", VpcId, "subnet-endpoints");
        _cloud.PathResources.Add(new(TrackedPathKind.InterfaceEndpoint, "vpce-ssm", VpcId, ["subnet-endpoints"], ServiceName: "com.amazonaws.us-east-1.ssm"));

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        string[] cidrs = ["10.0.1.10/32", "10.0.1.11/32", "10.0.2.10/32", "2600:1f18::10/128"];
        foreach (var acl in new[] { publicAcl, endpointAcl })
        {
            Assert.Equal(cidrs.SelectMany(cidr => new[] { (false, cidr), (true, cidr) }).Order(), acl.Denies.Select(e => (e.Egress, e.Cidr)).Order());
        }

        Assert.NotEmpty(_cloud.WrittenAclCidrs);
        Assert.All(_cloud.WrittenAclCidrs, cidr => Assert.True(SingleAddress.IsSingleAddress(cidr), cidr));
    }

    [Theory]
    [InlineData(true, 2)]
    [InlineData(false, 0)]
    public async Task IsolateAsync_NetworkLoadBalancerInTheVpc_CutOnlyWhenTheInstanceIsATarget(bool target, int denies)
    {
        _cloud.AddInstance(InstanceId, VpcId);
        if (target)
        {
            _cloud.Targets.Add((InstanceId, new TargetRegistration("arn:tg/web", 443, null)));
        }

        var nlbAcl = _cloud.AddAcl("acl-nlb", VpcId, "subnet-nlb");
        _cloud.PathResources.Add(new(TrackedPathKind.NetworkLoadBalancer, "eni-nlb", VpcId, ["subnet-nlb"], Via: "ELB net/web/50dc6c495c0c9188"));

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(denies, nlbAcl.Denies.Count());
    }

    [Theory]
    [InlineData("10.0.0.0/31")]
    [InlineData("10.0.0.0/8")]
    [InlineData("0.0.0.0/0")]
    [InlineData("2600:1f18::/127")]
    [InlineData("::/0")]
    public void IsSingleAddress_BroaderThanOneAddress_False(string cidr) => Assert.False(SingleAddress.IsSingleAddress(cidr));

    [Fact]
    public async Task IsolateAsync_NoFreeRuleNumberAheadOfTheAllows_NetworkContainedEntriesElsewhereAddedAndFailureNamesTheAcl()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var (_, publicAcl) = _cloud.AddNatVpc(VpcId);
        publicAcl.Entries.Add(new NetworkAclRule(1, Egress: false, Allow: true, "6", "10.0.0.0/16"));
        var endpointAcl = _cloud.AddAcl("acl-endpoints", VpcId, "subnet-endpoints");
        _cloud.PathResources.Add(new(TrackedPathKind.InterfaceEndpoint, "vpce-ssm", VpcId, ["subnet-endpoints"], ServiceName: "com.amazonaws.us-east-1.ssm"));

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Equal(StepNames.NetworkAclCut, error.FailedStep);
        Assert.Contains("acl-public has no free ingress rule number", error.Message, StringComparison.Ordinal);
        Assert.Contains("The network is contained", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, endpointAcl.Denies.Count());
        Assert.Equal([(true, "10.0.1.10/32")], publicAcl.Denies.Select(e => (e.Egress, e.Cidr)));
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Contains(StepNames.Network, record.CompletedSteps);
        Assert.Equal(3, record.Artifacts.NetworkAclDenies.Count);
        Assert.Contains(record.Artifacts.OpenPaths, path => path.Path.Contains("nat-1", StringComparison.Ordinal) && path.Reason.Contains("acl-public", StringComparison.Ordinal));
    }

    [Fact]
    public async Task IsolateAsync_AclAtItsQuota_PathRecordedOpenAndNothingRecordedThatWasNotAdded()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var (_, publicAcl) = _cloud.AddNatVpc(VpcId);
        publicAcl.Entries.AddRange(Enumerable.Range(0, FakeCloud.AclEntryQuota - 1).Select(i => new NetworkAclRule(200 + i, Egress: true, Allow: true, "6", $"10.9.{i}.0/24")));

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Contains("acl-public holds as many egress entries as its quota allows", error.Message, StringComparison.Ordinal);
        Assert.Equal([false], publicAcl.Denies.Select(e => e.Egress));
        Assert.Equal([false], _cloud.StoredRecord(InstanceId)!.Artifacts.NetworkAclDenies.Select(e => e.Egress));
    }

    [Fact]
    public async Task IsolateAsync_RuleNumberTakenBetweenReadAndWrite_NextFreeNumberUsedAndRecorded()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var (_, publicAcl) = _cloud.AddNatVpc(VpcId);
        var raced = false;
        _cloud.BeforeCall = call =>
        {
            if (call == "CreateNetworkAclEntry" && !raced)
            {
                raced = true;
                publicAcl.Entries.Add(new NetworkAclRule(99, Egress: false, Allow: true, "6", "10.7.0.0/16"));
                publicAcl.Entries.Add(new NetworkAclRule(99, Egress: true, Allow: true, "6", "10.7.0.0/16"));
            }
        };

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal([98, 98], publicAcl.Denies.Select(e => e.RuleNumber));
        Assert.Equal([98, 98], _cloud.StoredRecord(InstanceId)!.Artifacts.NetworkAclDenies.Select(e => e.RuleNumber));
    }

    [Fact]
    public async Task IsolateAsync_NatGatewayInTheInstanceSubnet_OpenPathNamedAndRunFails()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        _cloud.AddNatVpc(VpcId, publicSubnet: "subnet-1");

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Contains("nat-1 (NAT gateway): its interface shares subnet subnet-1", error.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.WrittenAclCidrs);
    }

    [Fact]
    public async Task IsolateAsync_RerunAfterAnOpenPath_EntryRemovedMeanwhilePutBack()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var (_, publicAcl) = _cloud.AddNatVpc(VpcId);
        var (endpointAcl, blocker) = await FailOnAnEndpointAclWithNoFreeNumberAsync();
        publicAcl.Entries.RemoveAll(e => !e.Allow && e.Egress && e.RuleNumber != 32767);
        Assert.Single(await NetworkAclDenies.FindMissingAsync(_cloud, _cloud.StoredRecord(InstanceId)!, CancellationToken.None));
        endpointAcl.Entries.Remove(blocker);

        var rerun = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, rerun.Outcome);
        Assert.Equal(2, publicAcl.Denies.Count());
        Assert.Equal(2, endpointAcl.Denies.Count());
        Assert.Empty(await NetworkAclDenies.FindMissingAsync(_cloud, _cloud.StoredRecord(InstanceId)!, CancellationToken.None));
        Assert.Empty(_cloud.StoredRecord(InstanceId)!.Artifacts.OpenPaths);
    }

    [Fact]
    public async Task IsolateAsync_RerunAfterAnAllowWasAddedAheadOfTheDeny_NewDenyAheadAndBothRemovedOnRelease()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var (_, publicAcl) = _cloud.AddNatVpc(VpcId);
        var (endpointAcl, blocker) = await FailOnAnEndpointAclWithNoFreeNumberAsync();
        publicAcl.Entries.Add(new NetworkAclRule(50, Egress: false, Allow: true, "6", "10.0.0.0/16"));
        endpointAcl.Entries.Remove(blocker);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal([49, 99], publicAcl.Denies.Where(e => !e.Egress).Select(e => e.RuleNumber).Order());
        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);
        Assert.Empty(publicAcl.Denies);
    }

    [Fact]
    public async Task RemoveAsync_InstanceTerminatedWhileIsolated_ItsEntriesRemovedAndAnEntryReplacedBySomeoneElseLeftAlone()
    {
        _cloud.AddInstance(InstanceId, VpcId, enis: 2);
        var (_, publicAcl) = _cloud.AddNatVpc(VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        _cloud.Instances[InstanceId].State = "terminated";
        var replaced = publicAcl.Entries.First(e => !e.Allow && e.RuleNumber != 32767);
        publicAcl.Entries.Remove(replaced);
        var theirs = replaced with { Cidr = "10.0.1.99/32" };
        publicAcl.Entries.Add(theirs);
        var record = _cloud.StoredRecord(InstanceId)!;

        var removed = await NetworkAclDenies.RemoveAsync(_cloud, record, CancellationToken.None);

        Assert.Equal(3, removed.Count);
        Assert.Equal([theirs], publicAcl.Denies);
        Assert.Empty(record.Artifacts.NetworkAclDenies);
    }

    [Fact]
    public async Task IsolateAsync_GlobalAcceleratorInterfaceInTheInstanceSubnet_NamedAsOpenTheNatPathCutAndTheRunFails()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var (_, publicAcl) = _cloud.AddNatVpc(VpcId);
        _cloud.PathResources.Add(new TrackedPathResource(TrackedPathKind.GlobalAccelerator, "eni-ga", VpcId, ["subnet-1"]));
        _cloud.PathResources.Add(new TrackedPathResource(TrackedPathKind.GlobalAccelerator, "eni-ga-elsewhere", VpcId, ["subnet-other"]));

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Equal(StepNames.NetworkAclCut, error.FailedStep);
        var open = Assert.Single(_cloud.StoredRecord(InstanceId)!.Artifacts.OpenPaths);
        Assert.Equal("eni-ga (Global Accelerator interface)", open.Path);
        Assert.Contains("bypass network ACLs", open.Reason, StringComparison.Ordinal);
        Assert.Equal(2, publicAcl.Denies.Count());
    }

    [Fact]
    public async Task IsolateAsync_CutTurnedOff_NoNetworkAclCall()
    {
        _settings = _settings with { CutTrackedPaths = false };
        _cloud.AddInstance(InstanceId, VpcId);
        _cloud.AddNatVpc(VpcId);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.DoesNotContain(_cloud.Calls, call => call is "DescribeRouteTables" or "DescribeNetworkAcls" or "CreateNetworkAclEntry");
    }

    [Fact]
    public async Task PlanIsolationAsync_NatGateway_ListsTheEntriesItWouldAddAndAddsNone()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var (_, publicAcl) = _cloud.AddNatVpc(VpcId);

        var plan = await CreateSut().PlanIsolationAsync(Request(), CancellationToken.None);

        var entries = plan.Calls.Where(call => call.Api == "ec2:CreateNetworkAclEntry").ToList();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, call => Assert.Equal((StepNames.NetworkAclCut, "acl-public"), (call.Step, call.Target)));
        Assert.Contains(entries, call => call.Detail.StartsWith("rule 99 ingress deny all 10.0.1.10/32", StringComparison.Ordinal));
        Assert.Contains(entries, call => call.Detail.StartsWith("rule 99 egress deny all 10.0.1.10/32", StringComparison.Ordinal));
        Assert.Empty(publicAcl.Denies);
    }

    /// <summary>A first run that fails on an interface endpoint's ACL whose egress has no free number ahead of an allow at 1.</summary>
    private async Task<(FakeAcl Acl, NetworkAclRule Blocker)> FailOnAnEndpointAclWithNoFreeNumberAsync()
    {
        var endpointAcl = _cloud.AddAcl("acl-endpoints", VpcId, "subnet-endpoints");
        var blocker = new NetworkAclRule(1, Egress: true, Allow: true, "6", "10.0.0.0/16");
        endpointAcl.Entries.Add(blocker);
        _cloud.PathResources.Add(new(TrackedPathKind.InterfaceEndpoint, "vpce-ssm", VpcId, ["subnet-endpoints"], ServiceName: "com.amazonaws.us-east-1.ssm"));
        await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));
        return (endpointAcl, blocker);
    }
}
