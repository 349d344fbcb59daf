using System.Text.Json;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Tests.Fakes;

namespace Ec2Isolation.Core.Tests.Isolation.Steps;

/// <summary>
/// The network step against a fake that behaves as EC2 does where moto does not: ENIs of other VPCs (multi-VPC
/// attachments) refuse another VPC's group, branch ENIs hide behind a trunk ENI, and a group created a moment ago may
/// be unknown for a while (EC2's eventual consistency).
/// </summary>
public sealed class NetworkStepTests
{
    private const string InstanceId = "i-0123456789abcdef0";
    private const string VpcId = "vpc-1";
    private const string OtherVpcId = "vpc-2";

    private readonly FakeCloud _cloud = new();
    private readonly ImmediateTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly IsolationSettings _settings = new() { TableName = "records", IsolationInstanceProfile = FakeCloud.IsolationProfileArn };

    private IsolationService CreateSut() => FakeAccounts.Service(_cloud, _settings, _time);

    private static IsolationRequest Request() => new(InstanceId, "GuardDuty finding abc", "INC-42", "tester");

    private static ReleaseRequest Release() => new(InstanceId, "tester");

    [Fact]
    public async Task IsolateAsync_EniFromAnotherVpc_EachEniInItsOwnVpcsQuarantineGroup()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var foreign = _cloud.AttachEni(InstanceId, OtherVpcId, "sg-other");

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        var home = _cloud.Instances[InstanceId].Enis[0];
        Assert.Equal([Quarantine(VpcId)], _cloud.EniGroups[home]);
        Assert.Equal([Quarantine(OtherVpcId)], _cloud.EniGroups[foreign]);
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal(Quarantine(VpcId), record.Artifacts.QuarantineGroupId);
        Assert.Equal([new VpcIsolationGroups(OtherVpcId, AllTraffic(OtherVpcId), Quarantine(OtherVpcId))], record.Artifacts.OtherVpcGroups);
        Assert.Equal(OtherVpcId, record.Original.NetworkInterfaces.Single(eni => eni.NetworkInterfaceId == foreign).VpcId);
    }

    [Fact]
    public async Task IsolateAsync_EniFromAnotherVpc_ItPassesThroughItsOwnVpcsAllTrafficGroupFirst()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var foreign = _cloud.AttachEni(InstanceId, OtherVpcId, "sg-other");

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(
            [$"ModifyNetworkInterfaceAttribute:{AllTraffic(OtherVpcId)}@{foreign}", $"ModifyNetworkInterfaceAttribute:{Quarantine(OtherVpcId)}@{foreign}"],
            _cloud.Calls.Where(call => call.EndsWith("@" + foreign, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task IsolateAsync_EniFromAnotherVpcWhoseGroupsAreNew_TheInstancesOwnEniDoesNotWaitForThem()
    {
        _cloud.AddInstance("i-0fedcba9876543210", VpcId);
        await CreateSut().IsolateAsync(Request() with { InstanceId = "i-0fedcba9876543210" }, CancellationToken.None);
        _cloud.AddInstance(InstanceId, VpcId);
        var home = _cloud.Instances[InstanceId].Enis[0];
        _cloud.AttachEni(InstanceId, OtherVpcId, "sg-other");
        // The other VPC's group creation waits until the instance's own ENI is in quarantine: it can only get there first
        // if it does not wait for them (the wait's bound only ends a run that would otherwise hang).
        var homeContained = new TaskCompletionSource();
        _cloud.BeforeCall = call =>
        {
            if (call == $"ModifyNetworkInterfaceAttribute:{Quarantine(VpcId)}@{home}")
            {
                homeContained.TrySetResult();
            }
            else if (call == "CreateSecurityGroup" && !homeContained.Task.Wait(TimeSpan.FromSeconds(30)))
            {
                throw new InvalidOperationException("The other VPC's groups were created before the instance's own ENI was contained.");
            }
        };

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Equal([Quarantine(VpcId)], _cloud.EniGroups[home]);
    }

    [Fact]
    public async Task IsolateAsync_IsolatedInstanceWithEniFromAnotherVpc_AlreadyIsolatedAndNothingMoves()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        _cloud.AttachEni(InstanceId, OtherVpcId, "sg-other");
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        _cloud.Calls.Clear();

        var again = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.AlreadyIsolated, again.Outcome);
        Assert.DoesNotContain(_cloud.Calls, call => call.StartsWith("ModifyNetworkInterfaceAttribute", StringComparison.Ordinal));
    }

    [Fact]
    public async Task IsolateAsync_IsolatedThenAnEniOfAnotherVpcAttached_NetworkContainedAgainInThatVpcsGroup()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        var foreign = _cloud.AttachEni(InstanceId, OtherVpcId, "sg-other");

        var again = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, again.Outcome);
        Assert.Equal([Quarantine(OtherVpcId)], _cloud.EniGroups[foreign]);
        Assert.Equal(["sg-other"], _cloud.StoredRecord(InstanceId)!.Original.NetworkInterfaces.Single(eni => eni.NetworkInterfaceId == foreign).GroupIds);
    }

    [Fact]
    public async Task ReleaseAsync_EniFromAnotherVpc_EachEniGetsItsOwnGroupsBack()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var foreign = _cloud.AttachEni(InstanceId, OtherVpcId, "sg-other");
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        await CreateSut().ReleaseAsync(Release(), CancellationToken.None);

        Assert.Equal(["sg-app0", "sg-shared"], _cloud.EniGroups[_cloud.Instances[InstanceId].Enis[0]]);
        Assert.Equal(["sg-other"], _cloud.EniGroups[foreign]);
    }

    [Fact]
    public async Task ReleaseAsync_EniFromAnotherVpcWhoseGroupsWereDeleted_ItsOwnVpcsDefaultGroup()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var foreign = _cloud.AttachEni(InstanceId, OtherVpcId, "sg-other");
        _cloud.Groups.Add(new FakeGroup { GroupId = "sg-default-main", Name = "default", VpcId = VpcId });
        _cloud.Groups.Add(new FakeGroup { GroupId = "sg-default-other", Name = "default", VpcId = OtherVpcId });
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        _cloud.DeletedGroupIds.Add("sg-other");

        var released = await CreateSut().ReleaseAsync(Release(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Released, released.Outcome);
        Assert.Equal(["sg-default-other"], _cloud.EniGroups[foreign]);
        Assert.Equal(["sg-app0", "sg-shared"], _cloud.EniGroups[_cloud.Instances[InstanceId].Enis[0]]);
    }

    [Fact]
    public async Task ReleaseAsync_RecordWrittenBeforeGroupsWereRecordedPerVpc_LoadsAndReleases()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        var quarantine = Quarantine(VpcId);
        await ReplaceRecordWithOldFormAsync();

        var again = await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        var released = await CreateSut().ReleaseAsync(Release(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.AlreadyIsolated, again.Outcome);
        Assert.Equal(quarantine, again.Record.Artifacts.QuarantineGroupId);
        Assert.Equal(IsolationOutcome.Released, released.Outcome);
        Assert.Equal(["sg-app0", "sg-shared"], _cloud.EniGroups[_cloud.Instances[InstanceId].Enis[0]]);
    }

    [Fact]
    public async Task IsolateAsync_GroupsUnknownForAWhileAfterCreation_RetriedWithBackoffAndContained()
    {
        _cloud.NotFoundAfterCreate = 2;
        _cloud.AddInstance(InstanceId, VpcId);

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Equal([Quarantine(VpcId)], _cloud.EniGroups[_cloud.Instances[InstanceId].Enis[0]]);
        // Each new group answered NotFound twice (its rule calls, then the moves) before EC2 knew it.
        Assert.Equal(3, _cloud.Calls.Count(call => call == "AuthorizeIngress"));
        Assert.Equal(3, _cloud.Calls.Count(call => call == "RevokeEgress"));
        Assert.Equal(4, _time.Waits.Count);
        Assert.Null(_cloud.StoredRecord(InstanceId)!.LastError);
    }

    [Fact]
    public async Task IsolateAsync_GroupUnknownRightBeforeTheMove_MoveRetriedAndContained()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var failMoveOnce = true;
        _cloud.BeforeCall = call =>
        {
            if (call.StartsWith("ModifyNetworkInterfaceAttribute", StringComparison.Ordinal) && failMoveOnce)
            {
                failMoveOnce = false;
                throw new SecurityGroupNotFoundException("InvalidGroup.NotFound: The security group does not exist");
            }
        };

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Equal([Quarantine(VpcId)], _cloud.EniGroups[_cloud.Instances[InstanceId].Enis[0]]);
        Assert.Single(_time.Waits);
    }

    [Fact]
    public async Task IsolateAsync_GroupNeverKnown_NetworkStepFailsAfterEveryAttemptAndTheEniKeepsItsGroups()
    {
        _cloud.NotFoundAfterCreate = int.MaxValue;
        _cloud.AddInstance(InstanceId, VpcId);

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Equal(StepNames.Network, error.FailedStep);
        Assert.Equal(8, _cloud.Calls.Count(call => call == "AuthorizeIngress"));
        Assert.Equal(["sg-app0", "sg-shared"], _cloud.EniGroups[_cloud.Instances[InstanceId].Enis[0]]);
    }

    [Fact]
    public async Task IsolateAsync_DeadlinePassesWhileEc2DoesNotKnowTheGroup_RetriesStopAtOnceAndTheRecordSaysSo()
    {
        _cloud.NotFoundAfterCreate = int.MaxValue;
        _cloud.AddInstance(InstanceId, VpcId);
        using var deadline = new CancellationTokenSource();
        _cloud.BeforeCall = call =>
        {
            if (call == "AuthorizeIngress" && _cloud.Calls.Count(c => c == "AuthorizeIngress") == 2)
            {
                deadline.Cancel();
            }
        };

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), deadline.Token));

        Assert.IsAssignableFrom<OperationCanceledException>(error.InnerException);
        Assert.Equal(2, _cloud.Calls.Count(call => call == "AuthorizeIngress"));
        Assert.Equal("Cancelled before the step completed (deadline or interrupt).", _cloud.StoredRecord(InstanceId)!.LastError);
    }

    [Fact]
    public async Task IsolateAsync_GroupAnotherRunCreatedNotYetReadable_ReadAgainAndUsed()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        _cloud.AddInstance("i-0fedcba9876543210", VpcId);
        await CreateSut().IsolateAsync(Request() with { InstanceId = "i-0fedcba9876543210" }, CancellationToken.None);
        _cloud.LaggingGroupReads = 3;

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Single(_cloud.Groups, g => g.Name == _settings.QuarantineGroupName);
        Assert.Equal([Quarantine(VpcId)], _cloud.EniGroups[_cloud.Instances[InstanceId].Enis[0]]);
    }

    [Fact]
    public async Task IsolateAsync_MoveIntoQuarantineRefused_FailedRecordStillNamesTheGroupsMadeReady()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        _cloud.BeforeCall = call =>
        {
            if (_cloud.Groups.Exists(g => g.Name == _settings.QuarantineGroupName && call == $"ModifyNetworkInterfaceAttribute:{g.GroupId}@{_cloud.Instances[InstanceId].Enis[0]}"))
            {
                throw new InvalidOperationException("UnauthorizedOperation");
            }
        };

        await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal((AllTraffic(VpcId), Quarantine(VpcId)), (record.Artifacts.AllTrafficGroupId, record.Artifacts.QuarantineGroupId));
    }

    [Fact]
    public async Task IsolateAsync_ReadBackTrailsTheMoves_ReadAgainAndContained()
    {
        _cloud.StaleInterfaceReads = 2;
        _cloud.AddInstance(InstanceId, VpcId);

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Equal(3, _cloud.Calls.Count(call => call == "DescribeNetworkInterfaces"));
    }

    [Fact]
    public async Task IsolateAsync_NewDualStackVpcWhereEc2AddsNoIpv6Egress_AllTrafficGroupGetsIt()
    {
        _cloud.NewGroupsGetIpv6Egress = false;
        _cloud.AddInstance(InstanceId, VpcId, dualStack: true);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        var allTraffic = _cloud.Groups.Single(g => g.Name == _settings.AllTrafficGroupName);
        Assert.Contains(SecurityGroupRule.AllTraffic("::/0"), allTraffic.Egress);
        Assert.Empty(_cloud.Groups.Single(g => g.Name == _settings.QuarantineGroupName).Egress);
    }

    [Fact]
    public async Task IsolateAsync_NewDualStackVpcWhereEc2AddsIpv6Egress_QuarantineGroupHasNoneLeft()
    {
        _cloud.AddInstance(InstanceId, VpcId, dualStack: true);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Empty(_cloud.Groups.Single(g => g.Name == _settings.QuarantineGroupName).Egress);
        Assert.Contains(SecurityGroupRule.AllTraffic("::/0"), _cloud.Groups.Single(g => g.Name == _settings.AllTrafficGroupName).Egress);
    }

    [Fact]
    public async Task IsolateAsync_TrunkWithBranchEnis_BranchesRecordedThenQuarantined()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var trunk = _cloud.Instances[InstanceId].Enis[0];
        var branches = _cloud.AddBranches(trunk, ["sg-pod-a"], ["sg-pod-b", "sg-shared"]);

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.All(branches, branch => Assert.Equal([Quarantine(VpcId)], _cloud.EniGroups[branch]));
        var recorded = _cloud.StoredRecord(InstanceId)!.Original.NetworkInterfaces.Where(eni => eni.TrunkInterfaceId == trunk).ToList();
        Assert.Equal([["sg-pod-a"], ["sg-pod-b", "sg-shared"]], recorded.Select(eni => eni.GroupIds));
        var calls = _cloud.Calls.ToList();
        var search = calls.IndexOf("DescribeTrunkInterfaceAssociations");
        var firstBranchMove = calls.FindIndex(call => call.EndsWith("@" + branches[0], StringComparison.Ordinal));
        Assert.Contains("PutItem", calls[search..firstBranchMove]);
    }

    [Fact]
    public async Task ReleaseAsync_TrunkWithBranchEnis_BranchesGetTheirOwnGroupsBack()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var branches = _cloud.AddBranches(_cloud.Instances[InstanceId].Enis[0], ["sg-pod-a"]);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        await CreateSut().ReleaseAsync(Release(), CancellationToken.None);

        Assert.Equal(["sg-pod-a"], _cloud.EniGroups[branches[0]]);
    }

    [Fact]
    public async Task IsolateAsync_BranchSearchIncomplete_ResultAndRecordSaySo()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        _cloud.AddBranches(_cloud.Instances[InstanceId].Enis[0], ["sg-pod-a"]);
        const string Gap = "DescribeTrunkInterfaceAssociations failed (UnauthorizedOperation): branch ENIs may be open";
        _cloud.BranchSearchGaps.Add(Gap);

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Contains(Gap, result.Message, StringComparison.Ordinal);
        Assert.Equal([Gap], _cloud.StoredRecord(InstanceId)!.Artifacts.NetworkGaps);
    }

    [Fact]
    public async Task IsolateAsync_NoTrunkEni_NoBranchSearchAndNoGap()
    {
        _cloud.AddInstance(InstanceId, VpcId, enis: 2);

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.DoesNotContain("DescribeTrunkInterfaceAssociations", _cloud.Calls);
        Assert.Empty(result.Record.Artifacts.NetworkGaps);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task IsolateAsync_GroupsPresent_TheSameCallsAndRoundsBeforeContainment(int enis)
    {
        _cloud.AddInstance("i-0fedcba9876543210", VpcId);
        await CreateSut().IsolateAsync(Request() with { InstanceId = "i-0fedcba9876543210" }, CancellationToken.None);
        _cloud.AddInstance(InstanceId, VpcId, enis: enis);
        _cloud.Calls.Clear();

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        // DescribeInstances, then the claim beside the group look-up, then each ENI's two moves: 3 + 2 x ENIs calls.
        var calls = _cloud.Calls.ToList();
        var beforeContainment = calls.Take(calls.FindLastIndex(call => call.StartsWith($"ModifyNetworkInterfaceAttribute:{Quarantine(VpcId)}", StringComparison.Ordinal)) + 1)
            .Select(call => call.Split(':')[0]).ToList();
        Assert.Equal("DescribeInstances", beforeContainment[0]);
        Assert.Equal(["DescribeSecurityGroups", "PutItem"], beforeContainment.Skip(1).Take(2).Order(StringComparer.Ordinal));
        Assert.Equal(Enumerable.Repeat("ModifyNetworkInterfaceAttribute", 2 * enis), beforeContainment.Skip(3));
    }

    private string Quarantine(string vpcId) => _cloud.Groups.Single(g => g.VpcId == vpcId && g.Name == _settings.QuarantineGroupName).GroupId;

    private string AllTraffic(string vpcId) => _cloud.Groups.Single(g => g.VpcId == vpcId && g.Name == _settings.AllTrafficGroupName).GroupId;

    /// <summary>Rewrites the stored record as records were before groups and ENIs were recorded per VPC.</summary>
    private async Task ReplaceRecordWithOldFormAsync()
    {
        var json = JsonSerializer.Serialize(_cloud.StoredRecord(InstanceId)!, IsolationJsonContext.Default.IsolationRecord);
        var old = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        old["artifacts"]!.AsObject().Remove("otherVpcGroups");
        old["artifacts"]!.AsObject().Remove("networkGaps");
        foreach (var eni in old["original"]!["networkInterfaces"]!.AsArray())
        {
            eni!.AsObject().Remove("vpcId");
            eni.AsObject().Remove("isTrunk");
        }

        var record = JsonSerializer.Deserialize(old.ToJsonString(), IsolationJsonContext.Default.IsolationRecord)!;
        _cloud.ForgetRecord(InstanceId);
        await _cloud.PutAsync(record, expectedVersion: null, CancellationToken.None);
    }
}
