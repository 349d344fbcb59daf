using System.Collections.Concurrent;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation.Planning;

/// <summary>EC2 for a dry run: reads go to EC2, changes are recorded and DryRun-checked, and ENIs read back as planned.</summary>
internal sealed partial class PlanningEc2Api(IEc2Api ec2, PlanRecorder plan) : IEc2Api
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<string>> _plannedGroups = new();

    public Task<InstanceDescription?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken) =>
        ec2.DescribeInstanceAsync(instanceId, cancellationToken);

    public Task<InstanceProtection> DescribeProtectionAsync(string instanceId, CancellationToken cancellationToken) =>
        ec2.DescribeProtectionAsync(instanceId, cancellationToken);

    public Task<IReadOnlyList<string>> FindInstanceIdsByTagAsync(string tagKey, string tagValue, CancellationToken cancellationToken) =>
        ec2.FindInstanceIdsByTagAsync(tagKey, tagValue, cancellationToken);

    public Task<ProfileAssociation?> DescribeProfileAssociationAsync(string instanceId, CancellationToken cancellationToken) =>
        ec2.DescribeProfileAssociationAsync(instanceId, cancellationToken);

    public Task<IReadOnlyList<SecurityGroupInfo>> FindSecurityGroupsAsync(string vpcId, IReadOnlyCollection<string> groupNames, CancellationToken cancellationToken) =>
        ec2.FindSecurityGroupsAsync(vpcId, groupNames, cancellationToken);

    public Task<IReadOnlyList<string>> FindExistingSecurityGroupIdsAsync(string vpcId, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken) =>
        ec2.FindExistingSecurityGroupIdsAsync(vpcId, groupIds, cancellationToken);

    public Task<IReadOnlyList<string>> FindSnapshotsAsync(string tagKey, string tagValue, CancellationToken cancellationToken) =>
        ec2.FindSnapshotsAsync(tagKey, tagValue, cancellationToken);

    /// <summary>The verification read: ENIs this plan moved read back with the groups it would give them.</summary>
    public async Task<IReadOnlyList<NetworkInterfaceGroups>> DescribeNetworkInterfaceGroupsAsync(
        IReadOnlyList<string> networkInterfaceIds, CancellationToken cancellationToken)
    {
        var actual = await ec2.DescribeNetworkInterfaceGroupsAsync(networkInterfaceIds, cancellationToken);
        return [.. actual.Select(eni => _plannedGroups.TryGetValue(eni.NetworkInterfaceId, out var groups) ? eni with { GroupIds = groups } : eni)];
    }

    public Task<BranchInterfaces> FindBranchInterfacesAsync(IReadOnlyList<string> trunkInterfaceIds, CancellationToken cancellationToken) =>
        ec2.FindBranchInterfacesAsync(trunkInterfaceIds, cancellationToken);

    public Task<IReadOnlyDictionary<string, string>> FindAttachedInstancesAsync(IReadOnlyList<string> networkInterfaceIds, CancellationToken cancellationToken) =>
        ec2.FindAttachedInstancesAsync(networkInterfaceIds, cancellationToken);

    public Task<SecurityGroupInfo?> DescribeSecurityGroupAsync(string groupId, CancellationToken cancellationToken) =>
        ec2.DescribeSecurityGroupAsync(groupId, cancellationToken);

    public async Task<string> CreateSecurityGroupAsync(
        string vpcId, string groupName, string description, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        await plan.Ec2Async("CreateSecurityGroup", vpcId, groupName,
            () => plan.Probe.CreateSecurityGroupAsync(vpcId, groupName, description, tags, cancellationToken));
        return PlanRecorder.PlannedIdPrefix + groupName;
    }

    public Task AuthorizeAsync(string groupId, RuleDirection direction, IReadOnlyList<SecurityGroupRule> rules, CancellationToken cancellationToken) =>
        plan.Ec2Async($"AuthorizeSecurityGroup{direction}", groupId, string.Join(", ", rules),
            () => plan.Probe.AuthorizeAsync(groupId, direction, rules, cancellationToken));

    public Task RevokeAsync(string groupId, RuleDirection direction, IReadOnlyList<SecurityGroupRule> rules, CancellationToken cancellationToken) =>
        plan.Ec2Async($"RevokeSecurityGroup{direction}", groupId, string.Join(", ", rules),
            () => plan.Probe.RevokeAsync(groupId, direction, rules, cancellationToken));

    public Task SetNetworkInterfaceGroupsAsync(string networkInterfaceId, IReadOnlyList<string> groupIds, CancellationToken cancellationToken)
    {
        _plannedGroups[networkInterfaceId] = groupIds;
        return plan.Ec2Async("ModifyNetworkInterfaceAttribute", networkInterfaceId, "groups [" + string.Join(", ", groupIds) + "]",
            () => plan.Probe.SetNetworkInterfaceGroupsAsync(networkInterfaceId, groupIds, cancellationToken));
    }

    public async Task<string> ReplaceProfileAssociationAsync(string associationId, string instanceProfile, CancellationToken cancellationToken)
    {
        await plan.Ec2Async("ReplaceIamInstanceProfileAssociation", associationId, instanceProfile,
            () => plan.Probe.ReplaceProfileAssociationAsync(associationId, instanceProfile, cancellationToken));
        return PlanRecorder.PlannedIdPrefix + "association";
    }

    public async Task<string> AssociateProfileAsync(string instanceId, string instanceProfile, CancellationToken cancellationToken)
    {
        await plan.Ec2Async("AssociateIamInstanceProfile", instanceId, instanceProfile,
            () => plan.Probe.AssociateProfileAsync(instanceId, instanceProfile, cancellationToken));
        return PlanRecorder.PlannedIdPrefix + "association";
    }

    public Task DisassociateProfileAsync(string associationId, CancellationToken cancellationToken) =>
        plan.Ec2Async("DisassociateIamInstanceProfile", associationId, string.Empty,
            () => plan.Probe.DisassociateProfileAsync(associationId, cancellationToken));

    public Task SetProtectionAsync(string instanceId, InstanceProtection protection, ProtectionAttributes attributes, CancellationToken cancellationToken) =>
        plan.Ec2Async("ModifyInstanceAttribute", instanceId,
            string.Join(", ", new[]
            {
                attributes.HasFlag(ProtectionAttributes.Termination) ? $"disableApiTermination={protection.DisableApiTermination}" : null,
                attributes.HasFlag(ProtectionAttributes.Stop) ? $"disableApiStop={protection.DisableApiStop}" : null,
                attributes.HasFlag(ProtectionAttributes.ShutdownBehavior) ? $"instanceInitiatedShutdownBehavior={protection.ShutdownBehavior}" : null,
            }.OfType<string>()),
            () => plan.Probe.SetProtectionAsync(instanceId, protection, attributes, cancellationToken));

    public Task SetDeleteOnTerminationAsync(string instanceId, IReadOnlyList<VolumeAttachment> volumes, CancellationToken cancellationToken) =>
        plan.Ec2Async("ModifyInstanceAttribute", instanceId,
            string.Join(", ", volumes.Select(v => $"{v.DeviceName} ({v.VolumeId}) deleteOnTermination={v.DeleteOnTermination}")),
            () => plan.Probe.SetDeleteOnTerminationAsync(instanceId, volumes, cancellationToken));

    public async Task<IReadOnlyList<string>> CreateSnapshotsAsync(string instanceId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        await plan.Ec2Async("CreateSnapshots", instanceId, "every EBS volume, tagged " + FormatTags(tags),
            () => plan.Probe.CreateSnapshotsAsync(instanceId, tags, cancellationToken));
        return [];
    }

    public Task CreateTagsAsync(string resourceId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        plan.Ec2Async("CreateTags", resourceId, FormatTags(tags), () => plan.Probe.CreateTagsAsync(resourceId, tags, cancellationToken));

    public Task DeleteTagsAsync(string resourceId, IReadOnlyCollection<string> tagKeys, CancellationToken cancellationToken) =>
        plan.Ec2Async("DeleteTags", resourceId, string.Join(", ", tagKeys), () => plan.Probe.DeleteTagsAsync(resourceId, tagKeys, cancellationToken));

    public async Task<string> RunReplacementAsync(ReplacementSpec spec, CancellationToken cancellationToken)
    {
        await plan.Ec2Async("RunInstances", spec.SubnetId,
            $"{spec.Source}, {spec.InstanceType}, groups [{string.Join(", ", spec.SecurityGroupIds)}], "
            + $"profile {spec.InstanceProfileArn ?? "(none)"}, tagged {FormatTags(spec.Tags)}",
            () => plan.Probe.RunReplacementAsync(spec, cancellationToken));
        return PlanRecorder.PlannedIdPrefix + "instance";
    }

    private static string FormatTags(IReadOnlyDictionary<string, string> tags) => string.Join(", ", tags.Select(tag => $"{tag.Key}={tag.Value}"));
}
