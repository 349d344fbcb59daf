using Amazon.EC2;
using Amazon.EC2.Model;
using Ec2Isolation.Aws.Ec2;
using Ec2Isolation.Core;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Ec2Isolation.Aws.Tests.EndToEnd;

/// <summary>
/// The cut of always-tracked paths over the real adapter, against moto (which models network ACLs, NAT gateways and
/// routes, not connection tracking): a private subnet whose default route goes to a NAT gateway in a public subnet with
/// its own ACL, the commonest architecture, and the one whose command-and-control session the security groups cannot cut.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class NetworkAclCutTests(MotoServer moto) : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private MotoAccount _account = null!;
    private string _natAclId = null!;

    private IAmazonEC2 Ec2 => _account.Ec2;

    public async Task InitializeAsync()
    {
        _account = await MotoAccount.CreateAsync(moto);
        _natAclId = await NatGatewayPath.CreateAsync(_account.Network);
    }

    public Task DisposeAsync()
    {
        _account.Dispose();
        return Task.CompletedTask;
    }

    private static IsolationRequest Request(string instanceId) => new(instanceId, "C2 session through the NAT gateway", "INC-16", "tester");

    [Fact]
    public async Task IsolateThenRelease_PrivateSubnetBehindNatGateway_NatAclGainsExactlyTheInstanceDeniesAheadOfItsAllowsThenEveryAclAsItWas()
    {
        var instance = await _account.Network.RunInstanceAsync([await _account.Network.CreateGroupAsync("app")]);
        var address = await PrivateAddressAsync(instance.NetworkInterfaceIds[0]);
        var before = await AclsAsync();
        var service = _account.CreateService();

        await service.IsolateAsync(Request(instance.InstanceId), None);

        var during = await AclsAsync();
        Assert.All(before.Keys.Where(acl => acl != _natAclId), acl => Assert.Equal(before[acl], during[acl]));
        var added = during[_natAclId].Except(before[_natAclId]).ToList();
        Assert.Equal([(false, address + "/32"), (true, address + "/32")], added.Select(e => (e.Egress, e.Cidr)).Order());
        Assert.All(added, entry => Assert.True(entry is { Allow: false, RuleNumber: < 100 }, entry.ToString()));
        var record = (await service.GetStatusAsync(instance.InstanceId, None))!;
        Assert.Equal(added.Select(e => (e.RuleNumber, e.Egress)).Order(), record.Artifacts.NetworkAclDenies.Select(e => (e.RuleNumber, e.Egress)).Order());

        await service.ReleaseAsync(new ReleaseRequest(instance.InstanceId, "tester"), None);

        var after = await AclsAsync();
        Assert.All(before.Keys, acl => Assert.Equal(before[acl], after[acl]));
    }

    [Fact]
    public async Task IsolateAsync_MultiEniInstance_EveryAddressOfEveryEniDeniedBothWays()
    {
        var app = await _account.Network.CreateGroupAsync("app");
        var instance = await _account.Network.RunInstanceAsync([app], [app]);
        var addresses = await Task.WhenAll(instance.NetworkInterfaceIds.Select(PrivateAddressAsync));

        await _account.CreateService().IsolateAsync(Request(instance.InstanceId), None);

        var denies = (await AclsAsync())[_natAclId].Where(e => !e.Allow && e.RuleNumber < 32767).ToList();
        Assert.Equal(addresses.SelectMany(a => new[] { (false, a + "/32"), (true, a + "/32") }).Order(), denies.Select(e => (e.Egress, e.Cidr)).Order());
    }

    [Fact]
    public async Task IsolateAsync_NatAclWithNoFreeRuleNumber_FailsNamingTheAclWithTheSecurityGroupCutInForce()
    {
        await Ec2.CreateNetworkAclEntryAsync(new()
        {
            NetworkAclId = _natAclId, RuleNumber = 1, Egress = false, Protocol = "6", RuleAction = RuleAction.Allow, CidrBlock = "10.0.0.0/16",
            PortRange = new() { From = 443, To = 443 },
        });
        var instance = await _account.Network.RunInstanceAsync([await _account.Network.CreateGroupAsync("app")]);
        var service = _account.CreateService();

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => service.IsolateAsync(Request(instance.InstanceId), None));

        Assert.Equal(StepNames.NetworkAclCut, error.FailedStep);
        Assert.Contains($"{_natAclId} has no free ingress rule number ahead of its first allow entry (1)", error.Message, StringComparison.Ordinal);
        var record = (await service.GetStatusAsync(instance.InstanceId, None))!;
        Assert.Contains(StepNames.Network, record.CompletedSteps);
        Assert.Contains(record.Artifacts.OpenPaths, path => path.Reason.Contains(_natAclId, StringComparison.Ordinal));
        var eni = (await Ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [.. instance.NetworkInterfaceIds] })).NetworkInterfaces[0];
        Assert.Equal([record.Artifacts.QuarantineGroupId], eni.Groups.Select(g => g.GroupId));
    }

    /// <remarks>
    /// moto ignores DryRun on CreateNetworkAclEntry and creates the entry (measured with moto 5.2.1; EC2 answers
    /// DryRunOperation): what this test can show on moto is that every such request carried DryRun=true. That a plan adds
    /// no entry is shown on the fake cloud (NetworkAclCutStepTests).
    /// </remarks>
    [Fact]
    public async Task PlanIsolationAsync_BehindNatGateway_ListsTheEntriesItWouldAddAndSendsThemOnlyAsDryRun()
    {
        var instance = await _account.Network.RunInstanceAsync([await _account.Network.CreateGroupAsync("app")]);
        var address = await PrivateAddressAsync(instance.NetworkInterfaceIds[0]);
        await moto.StartRecordingAsync();

        var plan = await _account.CreateService().PlanIsolationAsync(Request(instance.InstanceId), None);

        var sent = RequestLog.Parse(await moto.StopRecordingAsync()).Where(request => request.IamAction == "ec2:CreateNetworkAclEntry").ToList();
        var entries = plan.Calls.Where(call => call.Api == "ec2:CreateNetworkAclEntry").ToList();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, call => Assert.Equal(_natAclId, call.Target));
        Assert.Contains(entries, call => call.Detail.Contains($"ingress deny all {address}/32", StringComparison.Ordinal));
        Assert.Contains(entries, call => call.Detail.Contains($"egress deny all {address}/32", StringComparison.Ordinal));
        Assert.Equal(2, sent.Count);
        Assert.All(sent, request => Assert.Equal("true", request.Parameter("DryRun")));
    }

    [Fact]
    public async Task RemoveAsync_IsolatedInstanceTerminated_ItsEntriesRemovedFromTheRecordAlone()
    {
        var instance = await _account.Network.RunInstanceAsync([await _account.Network.CreateGroupAsync("app")]);
        var before = await AclsAsync();
        var service = _account.CreateService();
        await service.IsolateAsync(Request(instance.InstanceId), None);
        await Ec2.ModifyInstanceAttributeAsync(new() { InstanceId = instance.InstanceId, DisableApiTermination = false });
        await Ec2.TerminateInstancesAsync(new() { InstanceIds = [instance.InstanceId] });
        var record = (await service.GetStatusAsync(instance.InstanceId, None))!;

        var removed = await NetworkAclDenies.RemoveAsync(new AwsEc2Api(Ec2), record, None);

        Assert.Equal(2, removed.Count);
        Assert.Equal(before[_natAclId], (await AclsAsync())[_natAclId]);
    }

    [Fact]
    public async Task HandleAsync_SweepAfterAnIsolatedInstanceTerminated_ItsEntriesRemovedAndItsRecordClosed()
    {
        var instance = await _account.Network.RunInstanceAsync([await _account.Network.CreateGroupAsync("app")]);
        var before = await AclsAsync();
        using var provider = _account.BuildProvider();
        await provider.GetRequiredService<IIsolationService>().IsolateAsync(Request(instance.InstanceId), None);
        await Ec2.ModifyInstanceAttributeAsync(new() { InstanceId = instance.InstanceId, DisableApiTermination = false });
        await Ec2.TerminateInstancesAsync(new() { InstanceIds = [instance.InstanceId] });

        var result = await provider.GetRequiredService<IIsolationEventProcessor>().HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep), None);

        Assert.Equal(before[_natAclId], (await AclsAsync())[_natAclId]);
        Assert.Equal([(instance.InstanceId, Outcomes.Closed)], result.Instances.Select(i => (i.InstanceId, i.Outcome)));
        var record = (await provider.GetRequiredService<IIsolationService>().GetStatusAsync(instance.InstanceId, None))!;
        Assert.Equal((IsolationStatus.Released, "terminated", 2), (record.Status, record.InstanceGone?.InstanceState, record.InstanceGone?.RemovedNetworkAclDenies.Count));
    }

    [Fact]
    public async Task HandleAsync_SweepAfterSomeoneDeletedADeny_PutBackAheadOfTheAllows()
    {
        var instance = await _account.Network.RunInstanceAsync([await _account.Network.CreateGroupAsync("app")]);
        var address = await PrivateAddressAsync(instance.NetworkInterfaceIds[0]);
        using var provider = _account.BuildProvider();
        await provider.GetRequiredService<IIsolationService>().IsolateAsync(Request(instance.InstanceId), None);
        var deleted = (await AclsAsync())[_natAclId].Single(e => e is { Allow: false, Egress: true, RuleNumber: < 32767 });
        await Ec2.DeleteNetworkAclEntryAsync(new() { NetworkAclId = _natAclId, RuleNumber = deleted.RuleNumber, Egress = true });

        var result = await provider.GetRequiredService<IIsolationEventProcessor>().HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep), None);

        var denies = (await AclsAsync())[_natAclId].Where(e => e is { Allow: false, RuleNumber: < 100 }).ToList();
        Assert.Equal([(false, address + "/32"), (true, address + "/32")], denies.Select(e => (e.Egress, e.Cidr)).Order());
        var outcome = Assert.Single(result.Instances);
        Assert.Equal(Outcomes.Isolated, outcome.Outcome);
        Assert.Contains("put back", outcome.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IsolateThenRelease_MetadataAndTrackingSteps_MetadataOffWhileIsolatedAndOnAfter()
    {
        var instance = await _account.Network.RunInstanceAsync([await _account.Network.CreateGroupAsync("app")]);
        var service = _account.CreateService(settings => settings with { DisableMetadata = true, ShortenConnectionTracking = true });

        await service.IsolateAsync(Request(instance.InstanceId), None);
        Assert.Equal("disabled", await MetadataEndpointAsync(instance.InstanceId));

        await service.ReleaseAsync(new ReleaseRequest(instance.InstanceId, "tester"), None);
        Assert.Equal("enabled", await MetadataEndpointAsync(instance.InstanceId));
    }

    private async Task<string> MetadataEndpointAsync(string instanceId) =>
        (await Ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] })).Reservations[0].Instances[0].MetadataOptions.HttpEndpoint.Value;

    private async Task<string> PrivateAddressAsync(string networkInterfaceId) =>
        (await Ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest { NetworkInterfaceIds = [networkInterfaceId] })).NetworkInterfaces[0].PrivateIpAddress;

    /// <summary>Every ACL of the VPC with its entries, in a comparable form.</summary>
    private async Task<Dictionary<string, List<AclEntry>>> AclsAsync()
    {
        var acls = await new AwsEc2Api(Ec2).DescribeNetworkAclsAsync([_account.Network.VpcId], None);
        return acls.ToDictionary(acl => acl.NetworkAclId, acl => acl.Entries
            .Select(e => new AclEntry(e.RuleNumber, e.Egress, e.Allow, e.Cidr)).OrderBy(e => (e.Egress, e.RuleNumber)).ToList());
    }

    private sealed record AclEntry(int RuleNumber, bool Egress, bool Allow, string Cidr);
}
