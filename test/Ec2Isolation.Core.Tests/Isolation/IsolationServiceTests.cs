using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace Ec2Isolation.Core.Tests.Isolation;

public sealed partial class IsolationServiceTests
{
    private const string InstanceId = "i-0123456789abcdef0";
    private const string OtherInstanceId = "i-0fedcba9876543210";
    private const string VpcId = "vpc-1";
    private const string ProfileArn = "arn:aws:iam::123456789012:instance-profile/app-profile";

    private readonly FakeCloud _cloud = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private IsolationSettings _settings = new() { TableName = "records", IsolationInstanceProfile = FakeCloud.IsolationProfileArn };

    /// <summary>EC2 in DryRun mode: it answers every check as permitted and changes nothing.</summary>
    private readonly Mock<IEc2Api> _dryRunEc2 = new();

    /// <summary>The Lambda invocation's deadline, as the function sets it; none (the CLI) unless a test sets it.</summary>
    private readonly InvocationDeadline _deadline = new();

    private IsolationService CreateSut() => new(
        new AwsApis(_cloud, _cloud, _cloud, _cloud, _cloud, _cloud, _cloud), _dryRunEc2.Object, _cloud, _settings, "us-east-1", _time, NullLogger<IsolationService>.Instance,
        deadline: _deadline);

    /// <summary>The tags a GuardDuty finding's run asks for once it has claimed the record.</summary>
    private static readonly Dictionary<string, string> TriggerTags = new() { ["ec2-isolation"] = "isolate", ["ec2-isolation:reason"] = "GuardDuty finding abc" };

    private static IsolationRequest Request(string instanceId = InstanceId) => new(instanceId, "GuardDuty finding abc", "INC-42", "tester");

    [Fact]
    public async Task IsolateAsync_MultiEniInstance_EveryEniEndsInQuarantineOnly()
    {
        _cloud.AddInstance(InstanceId, VpcId, enis: 3, profileArn: ProfileArn);

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        var quarantine = _cloud.Groups.Single(g => g.Name == _settings.QuarantineGroupName);
        Assert.All(_cloud.Instances[InstanceId].Enis, eni => Assert.Equal([quarantine.GroupId], _cloud.EniGroups[eni]));
        Assert.Empty(quarantine.Ingress);
        Assert.Empty(quarantine.Egress);
    }

    [Fact]
    public async Task IsolateAsync_MultiEniInstance_EveryEniPassesThroughAllTrafficGroupFirst()
    {
        _cloud.AddInstance(InstanceId, VpcId, enis: 2);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        var allTraffic = _cloud.Groups.Single(g => g.Name == _settings.AllTrafficGroupName).GroupId;
        var quarantine = _cloud.Groups.Single(g => g.Name == _settings.QuarantineGroupName).GroupId;
        var moves = _cloud.Calls.Where(c => c.StartsWith("ModifyNetworkInterfaceAttribute:", StringComparison.Ordinal)).ToList();
        foreach (var eni in _cloud.Instances[InstanceId].Enis)
        {
            Assert.Equal(
                [$"ModifyNetworkInterfaceAttribute:{allTraffic}@{eni}", $"ModifyNetworkInterfaceAttribute:{quarantine}@{eni}"],
                moves.Where(move => move.EndsWith("@" + eni, StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task IsolateAsync_MoveIntoQuarantineFails_NoEniLeftInTheAllTrafficGroup()
    {
        _cloud.AddInstance(InstanceId, VpcId, enis: 3);
        _cloud.Groups.Add(new FakeGroup { GroupId = "sg-q", Name = _settings.QuarantineGroupName, VpcId = VpcId });
        _cloud.Groups.Add(new FakeGroup { GroupId = "sg-a", Name = _settings.AllTrafficGroupName, VpcId = VpcId });
        _cloud.Groups[1].Ingress.AddRange([SecurityGroupRule.AllTraffic("0.0.0.0/0"), SecurityGroupRule.AllTraffic("::/0")]);
        _cloud.Groups[1].Egress.AddRange([SecurityGroupRule.AllTraffic("0.0.0.0/0"), SecurityGroupRule.AllTraffic("::/0")]);
        FailOn("ModifyNetworkInterfaceAttribute:sg-q");

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Equal(StepNames.Network, error.FailedStep);
        Assert.Equal(["sg-app0", "sg-shared"], _cloud.EniGroups[_cloud.Instances[InstanceId].Enis[0]]);
        Assert.All(_cloud.Instances[InstanceId].Enis, eni => Assert.DoesNotContain("sg-a", _cloud.EniGroups[eni]));
    }

    [Fact]
    public async Task IsolateAsync_NewGroups_AllTrafficGroupAllowsEverythingBothWays()
    {
        _cloud.AddInstance(InstanceId, VpcId, dualStack: true);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        var allTraffic = _cloud.Groups.Single(g => g.Name == _settings.AllTrafficGroupName);
        SecurityGroupRule[] everything = [SecurityGroupRule.AllTraffic("0.0.0.0/0"), SecurityGroupRule.AllTraffic("::/0")];
        Assert.Equal(everything.ToHashSet(), allTraffic.Ingress.ToHashSet());
        Assert.Equal(everything.ToHashSet(), allTraffic.Egress.ToHashSet());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task IsolateAsync_NewVpc_EachGroupsRulesSetInOneCall(bool dualStack)
    {
        _cloud.AddInstance(InstanceId, VpcId, dualStack: dualStack);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        // The new groups' default egress to 0.0.0.0/0 is what the all-traffic group needs for IPv4: one authorize for its
        // ingress, one revoke for the quarantine group's egress; ::/0 egress, which EC2 may or may not have added, is
        // authorized for an instance with IPv6 (in the same round).
        string[] ruleCalls = ["AuthorizeIngress", "AuthorizeEgress", "RevokeIngress", "RevokeEgress"];
        Assert.Equal(
            dualStack ? ["AuthorizeEgress", "AuthorizeIngress", "RevokeEgress"] : ["AuthorizeIngress", "RevokeEgress"],
            _cloud.Calls.Where(ruleCalls.Contains).Order(StringComparer.Ordinal));
        Assert.Equal(2, _cloud.Calls.Count(call => call == "CreateSecurityGroup"));
        Assert.Empty(_cloud.Groups.Single(g => g.Name == _settings.QuarantineGroupName).Egress);
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 1)]
    public async Task IsolateAsync_AllTrafficGroupWithoutIpv6Egress_AddedOnlyForAnInstanceWithIpv6(bool dualStack, int egressAuthorizations)
    {
        _cloud.AddInstance(InstanceId, VpcId, dualStack: dualStack);
        var allTraffic = new FakeGroup { GroupId = "sg-a", Name = _settings.AllTrafficGroupName, VpcId = VpcId };
        allTraffic.Ingress.AddRange([SecurityGroupRule.AllTraffic("0.0.0.0/0"), SecurityGroupRule.AllTraffic("::/0")]);
        allTraffic.Egress.Add(SecurityGroupRule.AllTraffic("0.0.0.0/0"));
        _cloud.Groups.Add(allTraffic);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(egressAuthorizations, _cloud.Calls.Count(call => call == "AuthorizeEgress"));
        Assert.Equal(dualStack, allTraffic.Egress.Contains(SecurityGroupRule.AllTraffic("::/0")));
    }

    [Fact]
    public async Task IsolateAsync_DualStackVpc_QuarantineGroupKeepsNoIpv6Egress()
    {
        _cloud.AddInstance(InstanceId, VpcId, dualStack: true);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Empty(_cloud.Groups.Single(g => g.Name == _settings.QuarantineGroupName).Egress);
    }

    [Fact]
    public async Task IsolateAsync_ForensicIngressConfigured_QuarantineAllowsOnlyThat()
    {
        _settings = _settings with { ForensicIngress = ForensicIngressParser.Parse("10.9.0.0/24:22") };
        _cloud.AddInstance(InstanceId, VpcId);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        var quarantine = _cloud.Groups.Single(g => g.Name == _settings.QuarantineGroupName);
        Assert.Equal([new SecurityGroupRule("tcp", 22, 22, "10.9.0.0/24")], quarantine.Ingress);
        Assert.Empty(quarantine.Egress);
    }

    [Fact]
    public async Task IsolateAsync_ExistingQuarantineGroupWasTamperedWith_ExtraRulesRevokedBeforeUse()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        _cloud.Groups.Add(new FakeGroup { GroupId = "sg-q", Name = _settings.QuarantineGroupName, VpcId = VpcId });
        _cloud.Groups[0].Egress.Add(SecurityGroupRule.AllTraffic("0.0.0.0/0"));
        _cloud.Groups[0].Ingress.Add(new SecurityGroupRule("tcp", 22, 22, "0.0.0.0/0"));

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Empty(_cloud.Groups[0].Egress);
        Assert.Empty(_cloud.Groups[0].Ingress);
        Assert.Single(_cloud.Groups, g => g.Name == _settings.QuarantineGroupName);
    }

    [Fact]
    public async Task IsolateAsync_GroupsExist_NoGroupCallsBeforeTheEnisMove()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        _cloud.AddInstance(OtherInstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(OtherInstanceId), CancellationToken.None);
        _cloud.Calls.Clear();

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal("PutItem", _cloud.Mutations[0]);
        Assert.StartsWith("ModifyNetworkInterfaceAttribute", _cloud.Mutations[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task IsolateAsync_AnyInstance_RecordIsWrittenBeforeTheFirstChange()
    {
        _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal("PutItem", _cloud.Mutations[0]);
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal(IsolationStatus.Isolated, record.Status);
        Assert.Equal(IsolationSteps.InOrder.Select(s => s.Name), record.CompletedSteps);
        Assert.Equal(["sg-app0", "sg-shared"], record.Original.NetworkInterfaces.Single().GroupIds);
        Assert.Equal(ProfileArn, record.Original.Attachments!.InstanceProfile!.InstanceProfileArn);
        Assert.Equal("INC-42", record.IncidentId);
        Assert.Equal("tester", record.RequestedBy);
        Assert.Null(record.LeaseOwner);
    }

    [Fact]
    public async Task IsolateAsync_InstanceWithProfile_ProfileReplacedAndItsSessionsRevoked()
    {
        _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(FakeCloud.IsolationProfileArn, _cloud.Instances[InstanceId].Association!.InstanceProfileArn);
        var instanceArn = $"arn:aws:ec2:us-east-1:123456789012:instance/{InstanceId}";
        Assert.True(_cloud.SessionDenied("app-role", instanceArn, _time.GetUtcNow().AddSeconds(-1)));
        Assert.False(_cloud.SessionDenied("app-role", "arn:aws:ec2:us-east-1:123456789012:instance/" + OtherInstanceId, _time.GetUtcNow()));
    }

    [Fact]
    public async Task IsolateAsync_InstanceWithoutProfile_IsolationProfileAssociatedAndNothingRevoked()
    {
        _cloud.AddInstance(InstanceId, VpcId);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(FakeCloud.IsolationProfileArn, _cloud.Instances[InstanceId].Association!.InstanceProfileArn);
        Assert.Empty(_cloud.ManagedPolicies);
        Assert.Null(_cloud.Role("app-role").Boundary);
    }

    [Fact]
    public async Task IsolateAsync_AutoScalingMemberBehindTargetGroup_StandbyAndDeregistered()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        _cloud.AutoScaling[InstanceId] = new AutoScalingMembership("web", "InService");
        _cloud.Targets.Add((InstanceId, new TargetRegistration("arn:tg/web", 80, null)));

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal("Standby", _cloud.AutoScaling[InstanceId].LifecycleState);
        Assert.Empty(_cloud.Targets);
    }

    [Fact]
    public async Task IsolateAsync_AnyInstance_NetworkContainedBeforeAnyOtherPartOfTheConfigurationIsRead()
    {
        _cloud.AddInstance(InstanceId, VpcId, enis: 2, profileArn: ProfileArn);
        _cloud.AutoScaling[InstanceId] = new AutoScalingMembership("web", "InService");
        _cloud.Targets.Add((InstanceId, new TargetRegistration("arn:tg/web", 80, null)));

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        var calls = _cloud.Calls.ToList();
        var contained = calls.FindLastIndex(call => call.StartsWith("ModifyNetworkInterfaceAttribute", StringComparison.Ordinal));
        var firstAttachmentRead = calls.FindIndex(call => call is "DescribeInstanceAttribute" or "DescribeIamInstanceProfileAssociations"
            or "DescribeAutoScalingInstances" or "DescribeTargetHealth");
        Assert.True(firstAttachmentRead > contained, string.Join(", ", calls));
        Assert.Equal(
            ["DescribeInstances", "DescribeSecurityGroups", "PutItem"],
            calls.Take(3).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task IsolateAsync_FreshInstance_RecordClaimedWithoutReadingItFirst()
    {
        _cloud.AddInstance(InstanceId, VpcId);

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.DoesNotContain("GetItem", _cloud.Calls);
    }

    [Fact]
    public async Task IsolateAsync_FreshInstance_GroupsLookedUpOnceTheInstanceIsKnownBesideTheRecordClaim()
    {
        _cloud.AddInstance(InstanceId, VpcId);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        var calls = _cloud.Calls.ToList();
        Assert.Equal("DescribeInstances", calls[0]);
        Assert.Equal(["DescribeSecurityGroups", "PutItem"], calls.Skip(1).Take(2).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task IsolateAsync_GroupLookUpFails_NetworkStepFailsWithNothingChangedAndRerunFinishes()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        FailOn("DescribeSecurityGroups");

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Equal(StepNames.Network, error.FailedStep);
        Assert.Contains("The network is NOT yet contained", error.Message, StringComparison.Ordinal);
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal((IsolationStatus.Isolating, 0, null), (record.Status, record.CompletedSteps.Count, record.LeaseOwner));
        Assert.Equal(["PutItem"], _cloud.Mutations.Distinct());
        Assert.Equal(["sg-app0", "sg-shared"], _cloud.EniGroups[_cloud.Instances[InstanceId].Enis[0]]);

        _cloud.BeforeCall = null;
        Assert.Equal(IsolationOutcome.Isolated, (await CreateSut().IsolateAsync(Request(), CancellationToken.None)).Outcome);
        AssertQuarantined();
    }

    [Fact]
    public async Task IsolateAsync_AutoScalingMemberBehindTargetGroup_AttachmentsRecordedBeforeTheFirstChangeBeyondTheNetwork()
    {
        _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);
        var association = _cloud.Instances[InstanceId].Association;
        _cloud.AutoScaling[InstanceId] = new AutoScalingMembership("web", "InService");
        _cloud.Targets.Add((InstanceId, new TargetRegistration("arn:tg/web", 80, null)));
        string[] networkOrRecord = ["PutItem", "ModifyNetworkInterfaceAttribute", "CreateSecurityGroup", "Authorize", "Revoke"];
        (string Call, OriginalAttachments? Recorded)? firstChange = null;
        _cloud.BeforeCall = call =>
        {
            if (firstChange is null && _cloud.Mutations.Contains(call) && !networkOrRecord.Any(prefix => call.StartsWith(prefix, StringComparison.Ordinal)))
            {
                firstChange = (call, _cloud.StoredRecord(InstanceId)!.Original.Attachments);
            }
        };

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal("ReplaceIamInstanceProfileAssociation", firstChange?.Call);
        var recorded = firstChange?.Recorded;
        Assert.NotNull(recorded);
        Assert.Equal(
            (association, new InstanceProtection(false, false, "terminate"), new AutoScalingMembership("web", "InService")),
            (recorded.InstanceProfile, recorded.Protection, recorded.AutoScaling));
        Assert.Equal([new TargetRegistration("arn:tg/web", 80, null)], recorded.TargetRegistrations);
    }

    [Fact]
    public async Task IsolateAsync_FreshRun_ProfileSwappedFromTheAssociationJustRecorded()
    {
        _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Single(_cloud.Calls, call => call == "DescribeIamInstanceProfileAssociations");
        Assert.Equal(FakeCloud.IsolationProfileArn, _cloud.Instances[InstanceId].Association!.InstanceProfileArn);
    }

    [Fact]
    public async Task IsolateAsync_RunDiesAfterSwappingTheProfile_RerunReadsTheAssociationAgainAndSwapsOnce()
    {
        _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);
        var before = Snapshot();
        _cloud.BeforeCall = call =>
        {
            if (call == "PutItem" && _cloud.Calls.Contains("ReplaceIamInstanceProfileAssociation"))
            {
                throw new InvalidOperationException("killed");
            }
        };
        await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));
        _cloud.BeforeCall = null;
        _time.Advance(_settings.LeaseDuration);
        _cloud.Calls.Clear();

        var rerun = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        // The recorded association is the original one, no longer the current one: the rerun must read it.
        Assert.Equal(IsolationOutcome.Isolated, rerun.Outcome);
        Assert.Contains("DescribeIamInstanceProfileAssociations", _cloud.Calls);
        Assert.DoesNotContain(_cloud.Calls, call => call is "ReplaceIamInstanceProfileAssociation" or "AssociateIamInstanceProfile");
        Assert.Equal(FakeCloud.IsolationProfileArn, _cloud.Instances[InstanceId].Association!.InstanceProfileArn);
        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task IsolateAsync_RunDiesBeforeRecordingTheAttachments_RerunRecordsThemAndReleaseRestoresExactly()
    {
        _cloud.AddInstance(InstanceId, VpcId, enis: 2, profileArn: ProfileArn);
        _cloud.AutoScaling[InstanceId] = new AutoScalingMembership("web", "InService");
        _cloud.Targets.Add((InstanceId, new TargetRegistration("arn:tg/web", 80, null)));
        var before = Snapshot();
        await DieBeforeRecordingTheAttachmentsAsync();

        var rerun = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, rerun.Outcome);
        AssertQuarantined();
        var attachments = _cloud.StoredRecord(InstanceId)!.Original.Attachments;
        Assert.Equal((ProfileArn, "InService"), (attachments?.InstanceProfile?.InstanceProfileArn, attachments?.AutoScaling?.LifecycleState));
        Assert.Equal("Standby", _cloud.AutoScaling[InstanceId].LifecycleState);
        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task ReleaseAsync_AttachmentsNeverRecorded_RestoresTheNetworkAndLeavesTheRestAsItWas()
    {
        _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn).Protection = new InstanceProtection(true, false, "stop");
        _cloud.AutoScaling[InstanceId] = new AutoScalingMembership("web", "InService");
        _cloud.Targets.Add((InstanceId, new TargetRegistration("arn:tg/web", 80, null)));
        var before = Snapshot();
        await DieBeforeRecordingTheAttachmentsAsync();
        _cloud.Calls.Clear();

        var result = await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Released, result.Outcome);
        Assert.Equal(before, Snapshot());
        Assert.DoesNotContain(_cloud.Mutations, call => call is "ReplaceIamInstanceProfileAssociation" or "DisassociateIamInstanceProfile"
            or "AssociateIamInstanceProfile" or "ModifyInstanceAttribute:protection" or "ExitStandby" or "RegisterTargets");
    }

    [Fact]
    public async Task IsolateAsync_AnyInstance_EvidenceProtectedSnapshottedAndTagged()
    {
        _cloud.AddInstance(InstanceId, VpcId);

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        var instance = _cloud.Instances[InstanceId];
        Assert.Equal(new InstanceProtection(true, true, "stop"), instance.Protection);
        Assert.All(instance.Volumes, v => Assert.False(v.DeleteOnTermination));
        var snapshot = Assert.Single(_cloud.Snapshots);
        Assert.Equal("INC-42", snapshot.Tags["ec2-isolation:incident"]);
        Assert.Equal([snapshot.SnapshotId], result.Record.Artifacts.SnapshotIds);
        Assert.Equal("isolated", instance.Tags["ec2-isolation:status"]);
        Assert.Equal("INC-42", instance.Tags["ec2-isolation:incident"]);
    }

    [Fact]
    public async Task IsolateAsync_SpotInstance_NoTerminationNorStopProtection()
    {
        _cloud.AddInstance(InstanceId, VpcId).IsSpot = true;

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(new InstanceProtection(false, false, "stop"), _cloud.Instances[InstanceId].Protection);
    }

    [Fact]
    public async Task IsolateAsync_SnapshotsDisabled_NoSnapshotTaken()
    {
        _settings = _settings with { CreateSnapshots = false };
        _cloud.AddInstance(InstanceId, VpcId);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Empty(_cloud.Snapshots);
    }

    [Fact]
    public async Task IsolateAsync_AlreadyIsolated_NothingChangesAndSaysSo()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        _cloud.Calls.Clear();

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.AlreadyIsolated, result.Outcome);
        Assert.Contains("already isolated", result.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Mutations);
    }

    [Fact]
    public async Task IsolateAsync_IsolatedInstanceTerminatedSince_AlreadyIsolatedAndNothingChanged()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        _cloud.Instances[InstanceId].State = "terminated";
        _cloud.Calls.Clear();

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.AlreadyIsolated, result.Outcome);
        Assert.Empty(_cloud.Mutations);
    }

    [Theory]
    [InlineData("i-0123")]
    [InlineData("i-0123456789ABCDEF0")]
    [InlineData("sg-0123456789abcdef0")]
    [InlineData("i-0123456789abcdef0\n")]
    [InlineData("")]
    public async Task IsolateAsync_NotAnInstanceId_InvalidRequestWithNoCall(string instanceId)
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => CreateSut().IsolateAsync(Request(instanceId), CancellationToken.None));

        Assert.Contains("is not an EC2 instance id", error.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Calls);
    }

    [Fact]
    public async Task IsolateAsync_UnknownInstance_InvalidRequestAndNothingChanged()
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Contains("was not found", error.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Mutations);
    }

    [Theory]
    [InlineData("terminated")]
    [InlineData("shutting-down")]
    public async Task IsolateAsync_GoneInstance_InvalidRequestAndNothingChanged(string state)
    {
        _cloud.AddInstance(InstanceId, VpcId).State = state;

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Contains(state, error.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Mutations);
    }

    [Fact]
    public async Task IsolateAsync_NoIsolationProfileConfigured_InvalidRequestNamingTheVariable()
    {
        _settings = _settings with { IsolationInstanceProfile = null };
        _cloud.AddInstance(InstanceId, VpcId);

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Contains("EC2ISOLATION_INSTANCE_PROFILE", error.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Calls);
    }

    [Fact]
    public async Task IsolateAsync_RecordStoreUnavailable_NothingChangedAndErrorSaysWhy()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        _cloud.BeforeCall = call =>
        {
            if (call is "GetItem" or "PutItem")
            {
                throw new InvalidOperationException("DynamoDB is unavailable");
            }
        };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Contains("DynamoDB", error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", error.Message, StringComparison.Ordinal);
        Assert.Equal(["PutItem"], _cloud.Mutations);
        Assert.Null(_cloud.StoredRecord(InstanceId));
    }

    public static TheoryData<string> Steps() => [.. IsolationSteps.InOrder.Select(step => step.Name)];

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task IsolateAsync_StepFails_EveryOtherStepAfterTheNetworkRunsAndTheRerunRetriesOnlyTheFailedOne(string failingStep)
    {
        _cloud.AddInstance(InstanceId, VpcId, enis: 2, profileArn: ProfileArn);
        _cloud.AutoScaling[InstanceId] = new AutoScalingMembership("web", "InService");
        _cloud.Targets.Add((InstanceId, new TargetRegistration("arn:tg/web", 80, null)));
        _cloud.ClassicLoadBalancers["web-classic"] = [InstanceId];
        _settings = _settings with { DisableMetadata = true, DeleteKeyPair = true, StopAfterSnapshots = failingStep == StepNames.StopAfterSnapshots };
        _cloud.Instances[InstanceId].KeyName = _cloud.AddKeyPair("ops", "ssh-ed25519 AAAAC3Nza").KeyName;
        FailOn(FirstMutationsOf(failingStep));

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        // Changed with issue 14: a failed step no longer stops the run once the network is contained (fail closed before).
        var record = _cloud.StoredRecord(InstanceId)!;
        var expectedDone = failingStep == StepNames.Network ? [] : IsolationSteps.InOrder.Select(s => s.Name).Where(name => name != failingStep).ToList();
        Assert.Equal(failingStep, error.FailedStep);
        Assert.Equal(IsolationStatus.Isolating, record.Status);
        Assert.Equal(expectedDone, record.CompletedSteps);
        Assert.Equal(failingStep, record.FailedStep);
        Assert.Equal([failingStep], record.FailedSteps.Keys);
        Assert.Contains("injected failure", record.FailedSteps[failingStep], StringComparison.Ordinal);
        Assert.Contains("injected failure", record.LastError, StringComparison.Ordinal);
        Assert.Null(record.LeaseOwner);
        if (expectedDone.Contains(StepNames.Network))
        {
            Assert.Contains("is incomplete", error.Message, StringComparison.Ordinal);
            Assert.Contains("The network is contained", error.Message, StringComparison.Ordinal);
            Assert.Equal(IsolationOutcome.Incomplete, error.Result?.Outcome);
            AssertQuarantined();
        }
        else
        {
            Assert.Null(error.Result);
        }

        _cloud.BeforeCall = null;
        _cloud.Calls.Clear();
        var rerun = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, rerun.Outcome);
        if (failingStep != StepNames.Network)
        {
            var others = IsolationSteps.InOrder.Select(s => s.Name).Where(name => name != failingStep).SelectMany(FirstMutationsOf);
            Assert.DoesNotContain(_cloud.Mutations, call => others.Any(other => call.StartsWith(other, StringComparison.Ordinal)));
        }

        AssertQuarantined();
        // In the order they completed: the one retried last.
        Assert.Equal(IsolationSteps.InOrder.Select(s => s.Name).Order(), _cloud.StoredRecord(InstanceId)!.CompletedSteps.Order());
        Assert.Null(_cloud.StoredRecord(InstanceId)!.FailedStep);
        Assert.Empty(_cloud.StoredRecord(InstanceId)!.FailedSteps);
        Assert.Single(_cloud.Snapshots.Select(s => s.SnapshotId).Distinct());
    }

    [Fact]
    public async Task IsolateAsync_RunDiesAfterCreatingSnapshots_RerunDoesNotSnapshotTwice()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var saves = 0;
        _cloud.BeforeCall = call =>
        {
            // The record write after CreateSnapshots fails, as when the process is killed before it.
            if (call == "PutItem" && _cloud.Snapshots.Count > 0 && ++saves == 1)
            {
                throw new InvalidOperationException("killed");
            }
        };
        await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));
        _cloud.BeforeCall = null;

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Single(_cloud.Snapshots);
    }

    [Fact]
    public async Task IsolateAsync_AnotherRunHoldsTheLease_BusyAndNothingChanged()
    {
        await LeaveARunHoldingTheLeaseAsync();
        _cloud.Calls.Clear();

        await Assert.ThrowsAsync<IsolationBusyException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Empty(_cloud.Mutations);
    }

    [Fact]
    public async Task IsolateAsync_AnotherRunHoldsTheLeaseBeforeItsNetworkStep_BusyAndNothingChanged()
    {
        await LeaveARunHoldingTheLeaseAsync(StepNames.Network);
        var held = _cloud.StoredRecord(InstanceId)!;
        var before = Snapshot();
        _cloud.Calls.Clear();

        var error = await Assert.ThrowsAsync<IsolationBusyException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Contains("another run until", error.Message, StringComparison.Ordinal);
        Assert.Equal(["PutItem"], _cloud.Mutations);
        Assert.Equal((held.Version, "another-run"), (_cloud.StoredRecord(InstanceId)!.Version, _cloud.StoredRecord(InstanceId)!.LeaseOwner));
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task IsolateAsync_AnotherRunIsolatesItBetweenThisRunsReadAndItsClaim_AlreadyIsolatedAndNoEniMovesAgain()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        var othersTurn = 1;
        _cloud.BeforeCall = call =>
        {
            if (call == "PutItem" && Interlocked.Exchange(ref othersTurn, 0) == 1)
            {
                // This run has read the instance, not yet contained; the other run starts and finishes before its claim arrives.
                CreateSut().IsolateAsync(Request(), CancellationToken.None).GetAwaiter().GetResult();
            }
        };

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.AlreadyIsolated, result.Outcome);
        Assert.Equal(2, _cloud.Calls.Count(call => call.StartsWith("ModifyNetworkInterfaceAttribute", StringComparison.Ordinal)));
        AssertQuarantined();
    }

    [Fact]
    public async Task IsolateAsync_LeaseOfADeadRunExpired_NextRunTakesOverAndFinishes()
    {
        await LeaveARunHoldingTheLeaseAsync();
        _time.Advance(TimeSpan.FromMinutes(2));

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
    }

    [Fact]
    public async Task IsolateAsync_TwoRunsForOneInstanceAtOnce_ExactlyOneIsolates()
    {
        _cloud.AddInstance(InstanceId, VpcId, enis: 2);

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Outcome(CreateSut().IsolateAsync(Request(), CancellationToken.None))));

        Assert.Equal(1, runs.Count(r => r == "Isolated"));
        Assert.All(runs, r => Assert.Contains(r, new[] { "Isolated", "AlreadyIsolated", "Busy" }));
        Assert.Equal(1, _cloud.Calls.Count(c => c == "CreateSnapshots"));
        AssertQuarantined();
    }

    [Fact]
    public async Task IsolateAsync_ManyInstancesInOneNewVpcAtOnce_OneGroupOfEachKind()
    {
        var ids = Enumerable.Range(0, 8).Select(i => $"i-0123456789abcde{i:x2}").ToList();
        ids.ForEach(id => _cloud.AddInstance(id, VpcId));

        var results = await Task.WhenAll(ids.Select(id => CreateSut().IsolateAsync(Request(id), CancellationToken.None)));

        Assert.All(results, r => Assert.Equal(IsolationOutcome.Isolated, r.Outcome));
        Assert.Single(_cloud.Groups, g => g.Name == _settings.QuarantineGroupName);
        Assert.Single(_cloud.Groups, g => g.Name == _settings.AllTrafficGroupName);
        Assert.Empty(_cloud.Groups.Single(g => g.Name == _settings.QuarantineGroupName).Egress);
    }

    [Fact]
    public async Task IsolateAsync_EniAttachedBetweenCrashAndRerun_QuarantinedAndRecordedForRelease()
    {
        var instance = _cloud.AddInstance(InstanceId, VpcId);
        await CrashMidwayAsync(StepNames.InstanceProfile);
        instance.Enis.Add("eni-late");
        _cloud.EniGroups["eni-late"] = ["sg-late"];

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        AssertQuarantined();
        Assert.Contains(_cloud.StoredRecord(InstanceId)!.Original.NetworkInterfaces, eni => eni.NetworkInterfaceId == "eni-late");
        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "tester"), CancellationToken.None);
        Assert.Equal(["sg-late"], _cloud.EniGroups["eni-late"]);
    }

    [Fact]
    public async Task IsolateAsync_IsolatedInstanceGotANewEni_NetworkContainedAgain()
    {
        var instance = _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        instance.Enis.Add("eni-late");
        _cloud.EniGroups["eni-late"] = ["sg-late"];

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        AssertQuarantined();
        Assert.Equal(IsolationStatus.Isolated, _cloud.StoredRecord(InstanceId)!.Status);
    }

    [Fact]
    public async Task ReleaseAsync_IsolatedInstance_RestoresTheOriginalConfigurationExactly()
    {
        var instance = _cloud.AddInstance(InstanceId, VpcId, enis: 3, profileArn: ProfileArn);
        instance.Tags[_settings.TriggerTagKey] = _settings.TriggerTagValue;
        instance.Tags["team"] = "web";
        _cloud.AutoScaling[InstanceId] = new AutoScalingMembership("web", "InService");
        _cloud.Targets.Add((InstanceId, new TargetRegistration("arn:tg/web", 8080, null)));
        var before = Snapshot();
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        var result = await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Released, result.Outcome);
        Assert.Equal(before with { Tags = "team=web" }, Snapshot());
        Assert.Null(_cloud.Role("app-role").Boundary);
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal(IsolationStatus.Released, record.Status);
        Assert.Equal("releaser", record.ReleasedBy);
        Assert.Single(_cloud.Snapshots);
    }

    [Fact]
    public async Task ReleaseAsync_InstanceHadNoProfile_IsolationProfileDisassociated()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);

        Assert.Null(_cloud.Instances[InstanceId].Association);
    }

    [Fact]
    public async Task ReleaseAsync_PartlyIsolatedInstance_RestoresWhatChanged()
    {
        _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);
        var before = Snapshot();
        await CrashMidwayAsync(StepNames.CredentialRevocation);

        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);

        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task ReleaseAsync_StepFails_RerunFinishesAndNetworkStaysClosedMeanwhile()
    {
        _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);
        var before = Snapshot();
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        FailOn("DeleteRolePermissionsBoundary");

        var error = await Assert.ThrowsAsync<IsolationFailedException>(
            () => CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None));

        Assert.Equal(StepNames.CredentialRevocation, error.FailedStep);
        AssertQuarantined();
        Assert.Equal(IsolationStatus.Releasing, _cloud.StoredRecord(InstanceId)!.Status);
        _cloud.BeforeCall = null;
        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task ReleaseAsync_NoRecord_InvalidRequestAndNothingChanged()
    {
        _cloud.AddInstance(InstanceId, VpcId);

        var error = await Assert.ThrowsAsync<InvalidRequestException>(
            () => CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None));

        Assert.Contains("no isolation record", error.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Mutations);
    }

    [Fact]
    public async Task ReleaseAsync_AlreadyReleased_NothingChanged()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);
        _cloud.Calls.Clear();

        var result = await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);

        Assert.Equal(IsolationOutcome.AlreadyReleased, result.Outcome);
        Assert.Empty(_cloud.Mutations);
    }

    [Fact]
    public async Task IsolateAsync_ReleasedBefore_NewIsolationKeepsTheEarlierOneInHistory()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);
        _time.Advance(TimeSpan.FromDays(1));

        var result = await CreateSut().IsolateAsync(Request() with { IncidentId = "INC-43" }, CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal("INC-43", record.IncidentId);
        var earlier = Assert.Single(record.History);
        Assert.Equal(("INC-42", IsolationStatus.Released), (earlier.IncidentId, earlier.Status));
        Assert.Equal(["sg-app0", "sg-shared"], record.Original.NetworkInterfaces.Single().GroupIds);
    }

    [Fact]
    public async Task IsolateAsync_ReleasedBefore_ClaimOfANewRecordFailsThenTheReadRecordGoesIntoTheNewOnesHistory()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);
        _cloud.Calls.Clear();

        await CreateSut().IsolateAsync(Request() with { IncidentId = "INC-43" }, CancellationToken.None);

        Assert.Equal(["PutItem", "GetItem", "PutItem"], RecordCallsBeforeTheNetworkIsTouched());
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal(("INC-43", "INC-42"), (record.IncidentId, Assert.Single(record.History).IncidentId));
    }

    [Fact]
    public async Task IsolateAsync_RunFailedBeforeItsNetworkStep_ClaimOfANewRecordFailsAndTheRecordIsResumed()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CrashMidwayAsync(StepNames.Network);
        var left = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal((IsolationStatus.Isolating, 0), (left.Status, left.CompletedSteps.Count));
        _cloud.Calls.Clear();

        var result = await CreateSut().IsolateAsync(Request() with { IncidentId = "INC-43" }, CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        AssertQuarantined();
        Assert.Equal(["PutItem", "GetItem", "PutItem"], RecordCallsBeforeTheNetworkIsTouched());
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal(("INC-42", left.StartedAt), (record.IncidentId, record.StartedAt));
        Assert.Empty(record.History);
    }

    [Fact]
    public async Task IsolateAsync_ReleaseDiedHalfway_IsolatesAgainFromTheOriginalConfiguration()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        FailOn("ModifyNetworkInterfaceAttribute");
        await Assert.ThrowsAsync<IsolationFailedException>(
            () => CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None));
        _cloud.BeforeCall = null;

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        AssertQuarantined();
        Assert.Equal(new InstanceProtection(true, true, "stop"), _cloud.Instances[InstanceId].Protection);
        Assert.Equal(["sg-app0", "sg-shared"], _cloud.StoredRecord(InstanceId)!.Original.NetworkInterfaces.Single().GroupIds);
    }

    [Fact]
    public async Task IsolateAsync_FindingInTheHistoryOfAReleasedRecord_FindingHandledBeforeAndNothingChangedButTheRefusedClaim()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request() with { FindingId = "finding-1" }, CancellationToken.None);
        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);
        await CreateSut().IsolateAsync(Request() with { IncidentId = "INC-43", FindingId = "finding-2" }, CancellationToken.None);
        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);
        var stored = _cloud.StoredRecord(InstanceId)!;
        _cloud.Calls.Clear();

        var result = await CreateSut().IsolateAsync(
            Request() with { FindingId = "finding-1", TagsOnceClaimed = TriggerTags }, CancellationToken.None);

        Assert.Equal(IsolationOutcome.FindingHandledBefore, result.Outcome);
        Assert.Equal(("INC-43", $"This finding was handled before for {InstanceId}; nothing changed."), (result.Record.IncidentId, result.Message));
        Assert.Equal(["PutItem"], _cloud.Mutations);
        Assert.Equal((stored.Version, IsolationStatus.Released), (_cloud.StoredRecord(InstanceId)!.Version, _cloud.StoredRecord(InstanceId)!.Status));
        Assert.False(_cloud.Instances[InstanceId].Tags.ContainsKey(_settings.TriggerTagKey));
    }

    [Fact]
    public async Task IsolateAsync_FindingOfTheIsolationInForce_FindingHandledBeforeWithoutAnyWrite()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request() with { FindingId = "finding-1" }, CancellationToken.None);
        _cloud.Calls.Clear();

        var result = await CreateSut().IsolateAsync(Request() with { FindingId = "finding-1", TagsOnceClaimed = TriggerTags }, CancellationToken.None);

        Assert.Equal(IsolationOutcome.FindingHandledBefore, result.Outcome);
        Assert.Empty(_cloud.Mutations);
    }

    [Fact]
    public async Task IsolateAsync_TagsOnceClaimed_WrittenAfterTheClaimAndBeforeTheRunReturns()
    {
        _cloud.AddInstance(InstanceId, VpcId);

        var result = await CreateSut().IsolateAsync(Request() with { TagsOnceClaimed = TriggerTags }, CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        var calls = _cloud.Calls.ToList();
        Assert.True(calls.IndexOf("CreateTags") > calls.IndexOf("PutItem"), string.Join(", ", calls));
        Assert.Equal(TriggerTags, _cloud.Instances[InstanceId].Tags.Where(tag => TriggerTags.ContainsKey(tag.Key)));
    }

    [Fact]
    public async Task IsolateAsync_TaggingSlow_NetworkContainedWithoutWaitingForIt()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        using var contained = new ManualResetEventSlim();
        var moves = 0;
        var tagging = 1;
        var containedFirst = false;
        _cloud.BeforeCall = call =>
        {
            if (call.StartsWith("ModifyNetworkInterfaceAttribute", StringComparison.Ordinal) && Interlocked.Increment(ref moves) == 2)
            {
                contained.Set();
            }
            else if (call == "CreateTags" && Interlocked.Exchange(ref tagging, 0) == 1)
            {
                containedFirst = contained.Wait(TimeSpan.FromSeconds(30));
            }
        };

        var result = await CreateSut().IsolateAsync(Request() with { TagsOnceClaimed = TriggerTags }, CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.True(containedFirst);
        Assert.Equal("isolate", _cloud.Instances[InstanceId].Tags[_settings.TriggerTagKey]);
    }

    [Fact]
    public async Task IsolateAsync_TaggingFails_IsolationCompletesAndTheRunFailsSayingSo()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        // Only the requested tags, told by their content: the status tags step writes its own, in the background tagging's
        // order or before it.
        _cloud.BeforeCreateTags = tags =>
        {
            if (tags.ContainsKey(_settings.TriggerTagKey))
            {
                throw new InvalidOperationException("injected failure");
            }
        };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => CreateSut().IsolateAsync(Request() with { TagsOnceClaimed = TriggerTags }, CancellationToken.None));

        Assert.Contains($"{InstanceId} is isolated (incident INC-42), but tagging it failed: injected failure", error.Message, StringComparison.Ordinal);
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal((IsolationStatus.Isolated, null), (record.Status, record.LeaseOwner));
        AssertQuarantined();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task IsolateAsync_StepFailsWithTagsOnceClaimed_TheStepsFailureIsSeenOnceTheTaggingSettled(bool taggingFails)
    {
        _cloud.AddInstance(InstanceId, VpcId);
        FailOn(taggingFails ? ["CreateSecurityGroup", "CreateTags"] : ["CreateSecurityGroup"]);

        var error = await Assert.ThrowsAsync<IsolationFailedException>(
            () => CreateSut().IsolateAsync(Request() with { TagsOnceClaimed = TriggerTags }, CancellationToken.None));

        Assert.Equal(StepNames.Network, error.FailedStep);
        Assert.Contains("CreateTags", _cloud.Calls);
        Assert.Equal(!taggingFails, _cloud.Instances[InstanceId].Tags.ContainsKey(_settings.TriggerTagKey));
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal((IsolationStatus.Isolating, StepNames.Network, null), (record.Status, record.FailedStep, record.LeaseOwner));
    }

    [Fact]
    public async Task IsolateAsync_Cancelled_RecordSaysSoAndLeaseIsGivenUp()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        using var cancellation = new CancellationTokenSource();
        _cloud.BeforeCall = call =>
        {
            if (call == "CreateSnapshots")
            {
                cancellation.Cancel();
                cancellation.Token.ThrowIfCancellationRequested();
            }
        };

        await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), cancellation.Token));

        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal(StepNames.Snapshots, record.FailedStep);
        Assert.Contains("Cancelled", record.LastError, StringComparison.Ordinal);
        Assert.Null(record.LeaseOwner);
    }

    [Fact]
    public async Task PlanIsolationAsync_AnyInstance_ListsEveryChangeAndMakesNone()
    {
        _cloud.AddInstance(InstanceId, VpcId, enis: 2, profileArn: ProfileArn);
        _cloud.AutoScaling[InstanceId] = new AutoScalingMembership("web", "InService");
        _cloud.Targets.Add((InstanceId, new TargetRegistration("arn:tg/web", 80, null)));
        var before = Snapshot();

        var plan = await CreateSut().PlanIsolationAsync(Request(), CancellationToken.None);

        Assert.Equal(before, Snapshot());
        Assert.Null(_cloud.StoredRecord(InstanceId));
        var apis = plan.Calls.Select(c => c.Api).ToList();
        Assert.Equal("dynamodb:PutItem", apis[0]);
        Assert.Equal(4, apis.Count(a => a == "ec2:ModifyNetworkInterfaceAttribute"));
        Assert.Contains("iam:CreatePolicy", apis);
        Assert.Contains("iam:PutRolePermissionsBoundary", apis);
        Assert.Contains("autoscaling:EnterStandby", apis);
        Assert.Contains("elasticloadbalancing:DeregisterTargets", apis);
        Assert.Contains("ec2:CreateSnapshots", apis);
        Assert.Equal(
            PermissionCheck.DependsOnPlannedResource,
            plan.Calls.First(c => c.Api == "ec2:ModifyNetworkInterfaceAttribute").Permission);
        Assert.Equal(IsolationSteps.InOrder.Select(s => s.Name).Where(plan.Calls.Select(c => c.Step).Contains), plan.Calls.Select(c => c.Step).Distinct().Skip(1));
    }

    [Theory]
    [InlineData(IsolationStatus.Released)]
    [InlineData(IsolationStatus.Isolating)]
    public async Task PlanIsolationAsync_RecordExistsAndInstanceShowsNoIsolation_PlansTheWriteOverThatRecord(IsolationStatus status)
    {
        _cloud.AddInstance(InstanceId, VpcId);
        if (status == IsolationStatus.Released)
        {
            await CreateSut().IsolateAsync(Request(), CancellationToken.None);
            await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);
        }
        else
        {
            await CrashMidwayAsync(StepNames.Network);
        }

        var stored = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal(status, stored.Status);

        var plan = await CreateSut().PlanIsolationAsync(Request(), CancellationToken.None);

        var write = plan.Calls[0];
        Assert.Equal("dynamodb:PutItem", write.Api);
        Assert.Contains($"record Isolating, conditional on version {stored.Version};", write.Detail, StringComparison.Ordinal);
        Assert.Single(plan.Calls, call => call.Api == "dynamodb:PutItem");
        Assert.Equal(stored.Version, _cloud.StoredRecord(InstanceId)!.Version);
    }

    [Fact]
    public async Task PlanIsolationAsync_AnotherRunHoldsTheLeaseBeforeItsNetworkStep_BusyAsTheRunWouldBe()
    {
        await LeaveARunHoldingTheLeaseAsync(StepNames.Network);

        await Assert.ThrowsAsync<IsolationBusyException>(() => CreateSut().PlanIsolationAsync(Request(), CancellationToken.None));
    }

    [Fact]
    public async Task PlanIsolationAsync_AlreadyIsolated_EmptyPlanSaysSo()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        var plan = await CreateSut().PlanIsolationAsync(Request(), CancellationToken.None);

        Assert.Empty(plan.Calls);
        Assert.Contains("already isolated", plan.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanIsolationAsync_TagsOnceClaimed_PlannedWithTheRecordsClaimAndNotMade()
    {
        _cloud.AddInstance(InstanceId, VpcId);

        var plan = await CreateSut().PlanIsolationAsync(Request() with { TagsOnceClaimed = TriggerTags }, CancellationToken.None);

        var tagging = plan.Calls.First(call => call.Api == "ec2:CreateTags");
        Assert.Equal(("record", "ec2-isolation=isolate, ec2-isolation:reason=GuardDuty finding abc"), (tagging.Step, tagging.Detail));
        Assert.Empty(_cloud.Instances[InstanceId].Tags);
    }

    [Fact]
    public async Task PlanReleaseAsync_IsolatedInstance_ListsTheRestorationAndMakesNone()
    {
        _cloud.AddInstance(InstanceId, VpcId, profileArn: ProfileArn);
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        var isolated = Snapshot();

        var plan = await CreateSut().PlanReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);

        Assert.Equal(isolated, Snapshot());
        Assert.Equal(IsolationStatus.Isolated, _cloud.StoredRecord(InstanceId)!.Status);
        Assert.Contains(plan.Calls, c => c.Api == "ec2:ModifyNetworkInterfaceAttribute" && c.Detail == "groups [sg-app0, sg-shared]");
        Assert.Contains(plan.Calls, c => c.Api == "iam:DeleteRolePermissionsBoundary");
    }

    private void FailOn(params string[] calls) => _cloud.BeforeCall = call =>
    {
        if (calls.Any(failing => call.StartsWith(failing, StringComparison.Ordinal)))
        {
            throw new InvalidOperationException("injected failure");
        }
    };

    /// <summary>A run that stopped at <paramref name="failingStep"/> and, as far as the record says, still holds the lease for a minute.</summary>
    private async Task LeaveARunHoldingTheLeaseAsync(string failingStep = StepNames.InstanceProfile)
    {
        _cloud.AddInstance(InstanceId, VpcId);
        await CrashMidwayAsync(failingStep);
        var record = _cloud.StoredRecord(InstanceId)!;
        record.LeaseOwner = "another-run";
        record.LeaseExpiresAt = _time.GetUtcNow().AddMinutes(1);
        record.Version++;
        await _cloud.PutAsync(record, record.Version - 1, CancellationToken.None);
    }

    /// <summary>
    /// A run that contained the network and died (no write of the record after that, its failure neither) before its
    /// write of the rest of the original configuration; then its lease expires.
    /// </summary>
    private async Task DieBeforeRecordingTheAttachmentsAsync()
    {
        _cloud.BeforeCall = call =>
        {
            if (call == "PutItem" && _cloud.Calls.Contains("DescribeInstanceAttribute"))
            {
                throw new InvalidOperationException("killed");
            }
        };
        await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));
        _cloud.BeforeCall = null;
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal([StepNames.Network], record.CompletedSteps);
        Assert.Null(record.Original.Attachments);
        AssertQuarantined();
        _time.Advance(_settings.LeaseDuration);
    }

    private async Task CrashMidwayAsync(string failingStep)
    {
        FailOn(FirstMutationsOf(failingStep));
        await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));
        _cloud.BeforeCall = null;
    }

    private static string[] FirstMutationsOf(string step) => step switch
    {
        StepNames.Network => ["CreateSecurityGroup"],
        StepNames.NetworkAclCut => ["DescribeRouteTables"],
        StepNames.MetadataAndTracking => ["ModifyInstanceMetadataOptions"],
        StepNames.InstanceProfile => ["ReplaceIamInstanceProfileAssociation", "AssociateIamInstanceProfile"],
        StepNames.CredentialRevocation => ["CreatePolicy"],
        StepNames.AutoScalingStandby => ["EnterStandby"],
        StepNames.TargetDeregistration => ["DeregisterTargets"],
        StepNames.ClassicLoadBalancers => ["DeregisterInstancesFromLoadBalancer"],
        StepNames.Protection => ["ModifyInstanceAttribute:protection"],
        StepNames.Volumes => ["ModifyInstanceAttribute:volumes"],
        StepNames.Snapshots => ["CreateSnapshots"],
        StepNames.StatusTags => ["CreateTags"],
        StepNames.KeyPair => ["DeleteKeyPair"],
        StepNames.StopAfterSnapshots => ["StopInstances"],
        _ => throw new ArgumentOutOfRangeException(nameof(step)),
    };

    /// <summary>The record's reads and writes before the run's first change to the network (a group or an ENI).</summary>
    private List<string> RecordCallsBeforeTheNetworkIsTouched() =>
        [.. _cloud.Calls.TakeWhile(call => !call.StartsWith("CreateSecurityGroup", StringComparison.Ordinal)
            && !call.StartsWith("ModifyNetworkInterfaceAttribute", StringComparison.Ordinal)).Where(call => call is "GetItem" or "PutItem")];

    private void AssertQuarantined()
    {
        var quarantine = _cloud.Groups.Single(g => g.VpcId == VpcId && g.Name == _settings.QuarantineGroupName).GroupId;
        Assert.All(_cloud.Instances[InstanceId].Enis, eni => Assert.Equal([quarantine], _cloud.EniGroups[eni]));
    }

    private static async Task<string> Outcome(Task<IsolationResult> run)
    {
        try
        {
            return (await run).Outcome.ToString();
        }
        catch (IsolationBusyException)
        {
            return "Busy";
        }
    }

    /// <summary>What isolation changes and release restores, flattened so that two snapshots compare by value.</summary>
    private sealed record State(string Groups, string? Profile, InstanceProtection Protection, string Volumes, string? AutoScaling, string Targets, string Tags);

    private State Snapshot()
    {
        var instance = _cloud.Instances[InstanceId];
        return new State(
            string.Join(";", instance.Enis.Select(eni => eni + "=" + string.Join(",", _cloud.EniGroups[eni]))),
            instance.Association?.InstanceProfileArn,
            instance.Protection,
            string.Join(";", instance.Volumes.Select(v => $"{v.VolumeId}:{v.DeleteOnTermination}")),
            _cloud.AutoScaling.GetValueOrDefault(InstanceId)?.LifecycleState,
            string.Join(";", _cloud.Targets.Where(t => t.InstanceId == InstanceId).Select(t => t.Registration.ToString())),
            string.Join(";", instance.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}")));
    }
}
