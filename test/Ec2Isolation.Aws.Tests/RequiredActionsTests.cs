using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Replacement;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Ec2Isolation.Aws.Tests;

/// <summary>
/// The list of actions the function's policy is built from against the calls the adapters really make, read from
/// moto's request log (signing service and action of each request), for the widest isolation: several ENIs, a profile
/// to revoke, an Auto Scaling group, a target group and a Classic Load Balancer.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class RequiredActionsTests(MotoServer moto) : MotoAccountTests(moto)
{

    [Fact]
    public async Task Isolate_WidestCase_CallsOnlyListedActionsAndEveryMutatingOne()
    {
        var (instanceId, _) = await Account.CreateAutoScalingMemberBehindTargetGroupAsync(await Account.Network.CreateGroupAsync("web"));
        await Account.AssociateAppProfileAsync(instanceId);
        await Account.CreateClassicLoadBalancerAsync("legacy-web", instanceId);
        await Moto.StartRecordingAsync();

        await Account.CreateService().IsolateAsync(new IsolationRequest(instanceId, RequestedBy: "tester"), CancellationToken.None);

        var called = Called(await Moto.StopRecordingAsync());
        Assert.Subset(RequiredActions.Isolate.ToHashSet(), called);
        // Every action listed is one this isolation made, but for those of other paths: PassRole is checked by EC2, not
        // called; AssociateIamInstanceProfile is for an instance without a profile, DisassociateIamInstanceProfile (then
        // AssociateIamInstanceProfile) for a stopped one (docs/instance-states.md); RevokeSecurityGroupIngress corrects
        // a quarantine group someone added ingress to; AuthorizeSecurityGroupEgress gives an all-traffic group ::/0 egress
        // for an instance with IPv6 (moto assigns none); GetItem reads the record of an instance that shows an isolation,
        // or whose new record's claim found one (a first isolation claims without reading); the policy version calls
        // are the next isolations' of the same role (Isolate_SixInstancesOfOneRole_...), GetPolicy and GetPolicyVersion
        // re-read a role's boundary whose revocation list the record table lost; DescribeTrunkInterfaceAssociations looks
        // for the branch ENIs behind a trunk ENI (moto makes none, nor implements the call). CreateNetworkAclEntry cuts an always-tracked
        // path (a NAT gateway: NetworkAclCutTests); ModifyInstanceMetadataOptions is the optional metadata step;
        // DescribeKeyPairs, DeleteKeyPair and StopInstances are the optional key pair and stop steps (and the CLI's stop:
        // Stop_AfterIsolation_CallsOnlyListedActions).
        var otherPaths = new[]
        {
            "ec2:DescribeKeyPairs", "ec2:DeleteKeyPair", "ec2:StopInstances",
            "iam:PassRole", "ec2:AssociateIamInstanceProfile", "ec2:DisassociateIamInstanceProfile", "ec2:RevokeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress", "dynamodb:GetItem",
            "iam:ListPolicyVersions", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:GetPolicy", "iam:GetPolicyVersion",
            "ec2:DescribeTrunkInterfaceAssociations", "ec2:CreateNetworkAclEntry", "ec2:ModifyInstanceMetadataOptions",
        };
        var unused = RequiredActions.Isolate.Except(called).Except(otherPaths).ToList();
        Assert.Empty(unused);
    }

    [Fact]
    public async Task Isolate_SixInstancesOfOneRole_CallsOnlyListedActionsAndEveryPolicyVersionOne()
    {
        var app = await Account.Network.CreateGroupAsync("app");
        var service = Account.CreateService();
        var instances = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            instances.Add((await Account.Network.RunInstanceAsync([app])).InstanceId);
            await Account.AssociateAppProfileAsync(instances[^1]);
        }

        await service.IsolateAsync(new IsolationRequest(instances[0], RequestedBy: "tester"), CancellationToken.None);
        await Moto.StartRecordingAsync();

        // Five more versions of the role's boundary: the fifth finds the policy full and deletes its oldest version.
        foreach (var next in instances.Skip(1))
        {
            await service.IsolateAsync(new IsolationRequest(next, RequestedBy: "tester"), CancellationToken.None);
        }

        var called = Called(await Moto.StopRecordingAsync());
        Assert.Subset(RequiredActions.Isolate.ToHashSet(), called);
        Assert.Superset(new HashSet<string> { "iam:ListPolicyVersions", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion" }, called);
    }

    [Fact]
    public async Task Release_AfterIsolation_CallsOnlyListedActions()
    {
        var (instanceId, _) = await Account.CreateAutoScalingMemberBehindTargetGroupAsync(await Account.Network.CreateGroupAsync("web"));
        await Account.CreateClassicLoadBalancerAsync("legacy-web", instanceId);
        var service = Account.CreateService();
        await service.IsolateAsync(new IsolationRequest(instanceId, RequestedBy: "tester"), CancellationToken.None);
        await Moto.StartRecordingAsync();

        await service.ReleaseAsync(new ReleaseRequest(instanceId, "tester"), CancellationToken.None);
        await service.ListAsync(CancellationToken.None);

        Assert.Subset(RequiredActions.Isolate.Concat(RequiredActions.ReleaseAndStatus).ToHashSet(), Called(await Moto.StopRecordingAsync()));
    }

    [Fact]
    public async Task Replace_FromLaunchTemplateWithProfile_CallsOnlyListedActionsAndEveryOneEc2DoesNotCheckItself()
    {
        var (instance, _) = await Account.Network.RunFromLaunchTemplateAsync([await Account.Network.CreateGroupAsync("web")]);
        await Account.AssociateAppProfileAsync(instance.InstanceId);
        using var provider = Account.BuildProvider();
        await provider.GetRequiredService<IIsolationService>().IsolateAsync(new IsolationRequest(instance.InstanceId, RequestedBy: "tester"), CancellationToken.None);
        await Moto.StartRecordingAsync();

        await provider.GetRequiredService<IReplacementService>().ReplaceAsync(new ReplacementRequest(instance.InstanceId), CancellationToken.None);

        var called = Called(await Moto.StopRecordingAsync());
        Assert.Subset(RequiredActions.Replace.ToHashSet(), called);
        // EC2 checks these two during RunInstances itself: the tags on creation, and passing the profile's role; the
        // re-image's three are Replace_FromSnapshotsBeforeTheIncident_CallsOnlyListedActionsAndTheReimagesOwn.
        Assert.Equal(
            ["ec2:CreateTags", "ec2:DescribeImages", "ec2:DescribeSnapshots", "ec2:RegisterImage", "iam:PassRole"],
            RequiredActions.Replace.Except(called).Order());
    }

    [Fact]
    public async Task Replace_FromSnapshotsBeforeTheIncident_CallsOnlyListedActionsAndTheReimagesOwn()
    {
        var instance = await Account.Network.RunInstanceAsync([await Account.Network.CreateGroupAsync("web")]);
        var ec2 = Account.Network.Ec2;
        var volume = (await ec2.DescribeInstancesAsync(new Amazon.EC2.Model.DescribeInstancesRequest { InstanceIds = [instance.InstanceId] })).Reservations[0].Instances[0].BlockDeviceMappings[0].Ebs.VolumeId;
        var knownGood = (await ec2.CreateSnapshotAsync(new() { VolumeId = volume })).Snapshot.SnapshotId;
        using var provider = Account.BuildProvider();
        await provider.GetRequiredService<IIsolationService>().IsolateAsync(new IsolationRequest(instance.InstanceId, RequestedBy: "tester"), CancellationToken.None);
        await Moto.StartRecordingAsync();

        var result = await provider.GetRequiredService<IReplacementService>().ReplaceAsync(
            new ReplacementRequest(instance.InstanceId, Before: TimeProvider.System.GetUtcNow().AddHours(1)), CancellationToken.None);

        var called = Called(await Moto.StopRecordingAsync());
        Assert.Equal([knownGood], result.Launch!.Volumes.Select(v => v.SnapshotId));
        Assert.Subset(RequiredActions.Replace.ToHashSet(), called);
        Assert.Superset(new HashSet<string> { "ec2:DescribeSnapshots", "ec2:DescribeImages", "ec2:RegisterImage", "ec2:RunInstances" }, called);
    }

    [Fact]
    public async Task Stop_AfterIsolation_CallsOnlyListedActions()
    {
        var instance = await Account.Network.RunInstanceAsync([await Account.Network.CreateGroupAsync("web")]);
        var service = Account.CreateService();
        await service.IsolateAsync(new IsolationRequest(instance.InstanceId, RequestedBy: "tester"), CancellationToken.None);
        await Moto.StartRecordingAsync();

        var result = await service.StopAsync(new StopRequest(instance.InstanceId, RequestedBy: "tester"), CancellationToken.None);

        var called = Called(await Moto.StopRecordingAsync());
        Assert.Equal(StopOutcome.Stopped, result.Outcome);
        Assert.Subset(RequiredActions.Isolate.ToHashSet(), called);
        Assert.Contains("ec2:StopInstances", called);
    }

    /// <summary>The IAM actions of the recorded requests; GetCallerIdentity needs no permission.</summary>
    private static HashSet<string> Called(string recording) =>
        [.. RequestLog.Parse(recording).Select(request => request.IamAction).Where(action => action != "sts:GetCallerIdentity")];
}
