using Amazon.EC2;
using Amazon.EC2.Model;
using Ec2Isolation.Aws.Query;
using Ec2Isolation.Core;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Ec2Isolation.Aws.Tests.EndToEnd;

/// <summary>
/// The whole engine over the real adapters (AWS SDK and the signed Query client) against moto.
/// moto is not faithful in places (moto.md): ENI groups are asserted on the ENIs, profiles through
/// DescribeIamInstanceProfileAssociations, and the order of group swaps from moto's request log.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class IsolationEndToEndTests(MotoServer moto) : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private MotoAccount _account = null!;

    private IAmazonEC2 Ec2 => _account.Ec2;

    public async Task InitializeAsync() => _account = await MotoAccount.CreateAsync(moto);

    public Task DisposeAsync()
    {
        _account.Dispose();
        return Task.CompletedTask;
    }

    private static IsolationRequest Request(string instanceId) => new(instanceId, "GuardDuty Backdoor:EC2/C&CActivity.B", "INC-7", "tester");

    [Fact]
    public async Task IsolateAsync_MultiEniInstanceWithProfile_ContainedRevokedAndEvidenceKept()
    {
        var app = await _account.Network.CreateGroupAsync("app");
        var instance = await _account.Network.RunInstanceAsync([app], [app], [app]);
        await _account.AssociateAppProfileAsync(instance.InstanceId);

        var result = await _account.CreateService().IsolateAsync(Request(instance.InstanceId), None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        var quarantine = await _account.GroupAsync(_account.Settings.QuarantineGroupName);
        Assert.All(await _account.EniGroupsAsync(instance), groups => Assert.Equal([quarantine.GroupId], groups));
        Assert.Empty(quarantine.IpPermissions ?? []);
        Assert.Empty(quarantine.IpPermissionsEgress ?? []);
        Assert.EndsWith("/" + MotoAccount.IsolationProfile, await _account.ProfileArnAsync(instance.InstanceId), StringComparison.Ordinal);
        Assert.Contains($"\"*/{instance.InstanceId}\"", await BoundaryDocumentAsync(), StringComparison.Ordinal);
        Assert.Equal((true, true, "stop"), await _account.ProtectionAsync(instance.InstanceId));
        Assert.All(await _account.VolumesAsync(instance.InstanceId), volume => Assert.False(volume.DeleteOnTermination));
        // moto's AMIs come with snapshots of their own: look for the incident's.
        var snapshots = await Ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest { Filters = [new("tag:ec2-isolation:incident", ["INC-7"])] });
        Assert.NotEmpty(result.Record.Artifacts.SnapshotIds);
        Assert.Equal(result.Record.Artifacts.SnapshotIds.Order(), snapshots.Snapshots.Select(s => s.SnapshotId).Order());
        var volumeIds = (await _account.VolumesAsync(instance.InstanceId)).Select(v => v.VolumeId).ToList();
        Assert.All(snapshots.Snapshots, s => Assert.Contains(s.VolumeId, volumeIds));
        var tags = await _account.TagsAsync(instance.InstanceId);
        Assert.Equal(("isolated", "INC-7"), (tags["ec2-isolation:status"], tags["ec2-isolation:incident"]));
        var stored = await _account.BuildProvider().GetRequiredService<AwsApis>().Records.GetAsync(instance.InstanceId, None);
        Assert.Equal(IsolationStatus.Isolated, stored!.Status);
        Assert.Equal(3, stored.Original.NetworkInterfaces.Count);
    }

    [Fact]
    public async Task IsolateAsync_MultiEniInstance_EachEniPassesThroughTheAllTrafficGroupBeforeQuarantine()
    {
        var app = await _account.Network.CreateGroupAsync("app");
        var instance = await _account.Network.RunInstanceAsync([app], [app]);
        await moto.StartRecordingAsync();

        await _account.CreateService().IsolateAsync(Request(instance.InstanceId), None);

        var allTraffic = (await _account.GroupAsync(_account.Settings.AllTrafficGroupName)).GroupId;
        var quarantine = (await _account.GroupAsync(_account.Settings.QuarantineGroupName)).GroupId;
        var moves = RequestLog.Parse(await moto.StopRecordingAsync())
            .Where(request => request.Action == "ModifyNetworkInterfaceAttribute")
            .Select(request => (Eni: request.Parameter("NetworkInterfaceId"), Group: request.Parameter("SecurityGroupId.1")))
            .ToList();
        foreach (var eni in instance.NetworkInterfaceIds)
        {
            Assert.Equal([allTraffic, quarantine], moves.Where(move => move.Eni == eni).Select(move => move.Group));
        }
    }

    [Fact]
    public async Task IsolateAsync_DualStackVpc_NoIpv6EgressLeft()
    {
        _account.Dispose();
        _account = await MotoAccount.CreateAsync(moto, dualStack: true);
        var instance = await _account.Network.RunInstanceAsync([await _account.Network.CreateGroupAsync("app")]);

        await _account.CreateService().IsolateAsync(Request(instance.InstanceId), None);

        var quarantine = await _account.GroupAsync(_account.Settings.QuarantineGroupName);
        Assert.Empty(quarantine.IpPermissionsEgress ?? []);
        var allTraffic = await _account.GroupAsync(_account.Settings.AllTrafficGroupName);
        Assert.Contains(allTraffic.IpPermissionsEgress, p => p.IpProtocol == "-1" && p.Ipv6Ranges?.Any(r => r.CidrIpv6 == "::/0") == true);
        Assert.Contains(allTraffic.IpPermissions, p => p.IpProtocol == "-1" && p.Ipv6Ranges?.Any(r => r.CidrIpv6 == "::/0") == true);
    }

    [Fact]
    public async Task ReleaseAsync_InstanceWithoutProfile_IsolationProfileAssociatedThenRemoved()
    {
        var instance = await _account.Network.RunInstanceAsync([await _account.Network.CreateGroupAsync("app")]);
        var service = _account.CreateService();

        await service.IsolateAsync(Request(instance.InstanceId), None);
        Assert.EndsWith("/" + MotoAccount.IsolationProfile, await _account.ProfileArnAsync(instance.InstanceId), StringComparison.Ordinal);
        await service.ReleaseAsync(new ReleaseRequest(instance.InstanceId, "tester"), None);

        Assert.Null(await _account.ProfileArnAsync(instance.InstanceId));
    }

    [Fact]
    public async Task IsolateAsync_AutoScalingMemberBehindTargetGroup_StandbyDeregisteredThenRestored()
    {
        var (instanceId, targetGroupArn) = await _account.CreateAutoScalingMemberBehindTargetGroupAsync(await _account.Network.CreateGroupAsync("web"));
        var service = _account.CreateService();

        await service.IsolateAsync(Request(instanceId), None);

        Assert.Equal("Standby", await _account.LifecycleStateAsync(instanceId));
        Assert.Empty(await _account.TargetsAsync(targetGroupArn));

        await service.ReleaseAsync(new ReleaseRequest(instanceId, "tester"), None);

        Assert.Equal("InService", await _account.LifecycleStateAsync(instanceId));
        Assert.Equal([(instanceId, "8080")], await _account.TargetsAsync(targetGroupArn));
    }

    [Fact]
    public async Task IsolateAsync_TwoInstancesRaceInANewVpc_OneGroupOfEachKind()
    {
        var app = await _account.Network.CreateGroupAsync("app");
        var first = await _account.Network.RunInstanceAsync([app]);
        var second = await _account.Network.RunInstanceAsync([app]);

        var results = await Task.WhenAll(
            _account.CreateService().IsolateAsync(Request(first.InstanceId), None),
            _account.CreateService().IsolateAsync(Request(second.InstanceId), None));

        Assert.All(results, result => Assert.Equal(IsolationOutcome.Isolated, result.Outcome));
        var groups = await Ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new("vpc-id", [_account.Network.VpcId])] });
        Assert.Single(groups.SecurityGroups, g => g.GroupName == _account.Settings.QuarantineGroupName);
        Assert.Single(groups.SecurityGroups, g => g.GroupName == _account.Settings.AllTrafficGroupName);
        Assert.Empty(groups.SecurityGroups.Single(g => g.GroupName == _account.Settings.QuarantineGroupName).IpPermissionsEgress ?? []);
    }

    [Fact]
    public async Task IsolateAsync_IsolatedAlready_NoMutatingCallIsMade()
    {
        var instance = await _account.Network.RunInstanceAsync([await _account.Network.CreateGroupAsync("app")]);
        var service = _account.CreateService();
        await service.IsolateAsync(Request(instance.InstanceId), None);
        await moto.StartRecordingAsync();

        var again = await service.IsolateAsync(Request(instance.InstanceId), None);

        Assert.Equal(IsolationOutcome.AlreadyIsolated, again.Outcome);
        Assert.DoesNotContain(RequestLog.Parse(await moto.StopRecordingAsync()), request => request.IsMutation);
    }

    [Fact]
    public async Task IsolateAsync_FailureInjectedAtRevocation_RecordSaysWhatHeldAndRerunFinishes()
    {
        var instance = await _account.Network.RunInstanceAsync([await _account.Network.CreateGroupAsync("app")]);
        await _account.AssociateAppProfileAsync(instance.InstanceId);
        using var provider = _account.BuildProvider();
        var apis = provider.GetRequiredService<AwsApis>();
        var failing = ServiceWith(provider, apis with { RoleRevocations = new FailingRoleRevocations(apis.RoleRevocations) });

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => failing.IsolateAsync(Request(instance.InstanceId), None));

        Assert.Equal("credential-revocation", error.FailedStep);
        Assert.Contains("The network is contained", error.Message, StringComparison.Ordinal);
        var record = await apis.Records.GetAsync(instance.InstanceId, None);
        // Every other step ran (issue 14: a failed step no longer stops the run once the network is contained).
        Assert.Equal(["network", "network-acl-cut", "metadata-and-tracking", "instance-profile", "key-pair", "auto-scaling-standby", "target-deregistration", "classic-load-balancers", "protection", "volumes", "snapshots", "status-tags", "stop-after-snapshots"], record!.CompletedSteps);
        Assert.Equal(["credential-revocation"], record.FailedSteps.Keys);
        Assert.Equal(("credential-revocation", IsolationStatus.Isolating), (record.FailedStep, record.Status));
        var quarantine = (await _account.GroupAsync(_account.Settings.QuarantineGroupName)).GroupId;
        Assert.All(await _account.EniGroupsAsync(instance), groups => Assert.Equal([quarantine], groups));

        var rerun = await _account.CreateService().IsolateAsync(Request(instance.InstanceId), None);

        Assert.Equal(IsolationOutcome.Isolated, rerun.Outcome);
        Assert.Equal(14, rerun.Record.CompletedSteps.Count);
    }

    [Fact]
    public async Task ReleaseAsync_IsolatedInstance_RestoresTheOriginalConfigurationExactly()
    {
        var app = await _account.Network.CreateGroupAsync("app");
        var db = await _account.Network.CreateGroupAsync("db");
        var instance = await _account.Network.RunInstanceAsync([app, db], [db]);
        await _account.AssociateAppProfileAsync(instance.InstanceId);
        await Ec2.CreateTagsAsync(new() { Resources = [instance.InstanceId], Tags = [new("team", "web"), new("ec2-isolation", "isolate")] });
        var before = await _account.SnapshotAsync(instance);
        var service = _account.CreateService();
        await service.IsolateAsync(Request(instance.InstanceId), None);
        Assert.NotEqual(before, await _account.SnapshotAsync(instance));

        var result = await service.ReleaseAsync(new ReleaseRequest(instance.InstanceId, "tester"), None);

        Assert.Equal(IsolationOutcome.Released, result.Outcome);
        Assert.Equal(before with { Tags = "team=web" }, await _account.SnapshotAsync(instance));
        var role = await _account.QueryAsync(QueryService.Iam, "GetRole", new KeyValuePair<string, string>("RoleName", MotoAccount.AppRole));
        Assert.Null(role.Child("Role")!.Child("PermissionsBoundary"));
        Assert.Equal(IsolationStatus.Released, (await service.GetStatusAsync(instance.InstanceId, None))!.Status);
    }

    [Fact]
    public async Task IsolateAndRelease_TwoInstancesSharingTheRole_OneBoundaryNamesExactlyTheIsolatedOnes()
    {
        var app = await _account.Network.CreateGroupAsync("app");
        var first = await _account.Network.RunInstanceAsync([app]);
        var second = await _account.Network.RunInstanceAsync([app]);
        await _account.AssociateAppProfileAsync(first.InstanceId);
        await _account.AssociateAppProfileAsync(second.InstanceId);
        var service = _account.CreateService();

        await Task.WhenAll(service.IsolateAsync(Request(first.InstanceId), None), service.IsolateAsync(Request(second.InstanceId), None));

        var both = await BoundaryDocumentAsync();
        Assert.Contains($"\"*/{first.InstanceId}\"", both, StringComparison.Ordinal);
        Assert.Contains($"\"*/{second.InstanceId}\"", both, StringComparison.Ordinal);
        Assert.DoesNotContain("aws:TokenIssueTime", both, StringComparison.Ordinal);
        var inline = await _account.QueryAsync(QueryService.Iam, "ListRolePolicies", new KeyValuePair<string, string>("RoleName", MotoAccount.AppRole));
        Assert.Empty(inline.Members("PolicyNames"));

        await service.ReleaseAsync(new ReleaseRequest(first.InstanceId, "tester"), None);

        var one = await BoundaryDocumentAsync();
        Assert.DoesNotContain(first.InstanceId, one, StringComparison.Ordinal);
        Assert.Contains($"\"*/{second.InstanceId}\"", one, StringComparison.Ordinal);

        await service.ReleaseAsync(new ReleaseRequest(second.InstanceId, "tester"), None);

        var role = await _account.QueryAsync(QueryService.Iam, "GetRole", new KeyValuePair<string, string>("RoleName", MotoAccount.AppRole));
        Assert.Null(role.Child("Role")!.Child("PermissionsBoundary"));
    }

    [Fact]
    public async Task IsolateAsync_TerminatedInstance_InvalidRequestAndNothingChanged()
    {
        var instance = await _account.Network.RunInstanceAsync([await _account.Network.CreateGroupAsync("app")]);
        await Ec2.TerminateInstancesAsync(new() { InstanceIds = [instance.InstanceId] });
        await moto.StartRecordingAsync();

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => _account.CreateService().IsolateAsync(Request(instance.InstanceId), None));

        Assert.Contains("terminated", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(RequestLog.Parse(await moto.StopRecordingAsync()), request => request.IsMutation);
    }

    [Fact]
    public async Task IsolateAsync_UnknownInstance_InvalidRequestAndNothingChanged()
    {
        await moto.StartRecordingAsync();

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => _account.CreateService().IsolateAsync(Request("i-0123456789abcdef0"), None));

        Assert.Contains("was not found", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(RequestLog.Parse(await moto.StopRecordingAsync()), request => request.IsMutation);
    }

    [Fact]
    public async Task PlanIsolationAsync_AnyInstance_ChangesNothingAndChecksPermissionsWithDryRun()
    {
        var app = await _account.Network.CreateGroupAsync("app");
        var instance = await _account.Network.RunInstanceAsync([app], [app]);
        await _account.AssociateAppProfileAsync(instance.InstanceId);
        var before = await _account.SnapshotAsync(instance);
        await moto.StartRecordingAsync();

        var plan = await _account.CreateService().PlanIsolationAsync(Request(instance.InstanceId), None);

        var log = RequestLog.Parse(await moto.StopRecordingAsync());
        Assert.All(log.Where(request => request.IsMutation), request => Assert.Equal("true", request.Parameter("DryRun")));
        Assert.Equal(before, await _account.SnapshotAsync(instance));
        Assert.Null(await _account.CreateService().GetStatusAsync(instance.InstanceId, None));
        Assert.Contains(plan.Calls, call => call.Api == "ec2:CreateSecurityGroup" && call.Permission == PermissionCheck.Allowed);
        Assert.Contains(plan.Calls, call => call.Api == "ec2:CreateSnapshots" && call.Permission == PermissionCheck.Allowed);
        Assert.Contains(plan.Calls, call => call.Api == "iam:PutRolePermissionsBoundary" && call.Permission == PermissionCheck.NotCheckable);
        Assert.Equal(4, plan.Calls.Count(call => call.Api == "ec2:ModifyNetworkInterfaceAttribute"));
    }

    /// <summary>The default version of the app role's permissions boundary, which must be the tool's.</summary>
    private async Task<string> BoundaryDocumentAsync()
    {
        var role = await _account.QueryAsync(QueryService.Iam, "GetRole", new KeyValuePair<string, string>("RoleName", MotoAccount.AppRole));
        var boundary = role.Child("Role")!.Child("PermissionsBoundary")!.RequiredValue("PermissionsBoundaryArn");
        Assert.Equal($"arn:aws:iam::{MotoServer.AccountId}:policy/ec2-isolation/ec2-isolation-revoke-{MotoAccount.AppRole}", boundary);
        return await new QueryIamApi(AwsQueryClient.Create(_account.Clients, QueryService.Iam)).GetDefaultPolicyDocumentAsync(boundary, None);
    }

    private IsolationService ServiceWith(ServiceProvider provider, AwsApis apis) => new IsolationService(
        apis,
        new Aws.Ec2.AwsEc2Api(_account.Clients.CreateEc2(), dryRun: true),
        new Aws.Sts.StsCallerIdentity(_account.Clients.CreateSts()),
        _account.Settings,
        MotoServer.Region,
        TimeProvider.System,
        provider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<IsolationService>>());

    /// <summary>The role's revocation list cannot be written: the step fails before any IAM change.</summary>
    private sealed class FailingRoleRevocations(IRoleRevocationStore inner) : IRoleRevocationStore
    {
        public Task<RoleRevocation?> GetAsync(string roleName, CancellationToken cancellationToken) => inner.GetAsync(roleName, cancellationToken);

        public Task PutAsync(RoleRevocation revocation, long? expectedVersion, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("injected: the record table answered 500");
    }
}
