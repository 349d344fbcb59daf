using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Ports;

/// <summary>
/// The EC2 calls the engine makes. Implementations retry throttling; they never swallow other errors. A refusal for the
/// state of the instance or of its profile association is thrown as <see cref="IncorrectStateException"/>.
/// </summary>
public partial interface IEc2Api
{
    /// <summary>The instance, or null when EC2 does not know it.</summary>
    Task<InstanceDescription?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken);

    Task<InstanceProtection> DescribeProtectionAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>Ids of the instances (not terminated) carrying this tag with this value.</summary>
    Task<IReadOnlyList<string>> FindInstanceIdsByTagAsync(string tagKey, string tagValue, CancellationToken cancellationToken);

    /// <summary>The instance's current (associated or associating) profile association, or null.</summary>
    Task<ProfileAssociation?> DescribeProfileAssociationAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>The security groups of the VPC with any of these names, with their rules.</summary>
    Task<IReadOnlyList<SecurityGroupInfo>> FindSecurityGroupsAsync(string vpcId, IReadOnlyCollection<string> groupNames, CancellationToken cancellationToken);

    /// <summary>Creates a group; throws <see cref="SecurityGroupExistsException"/> when the name is taken in the VPC.</summary>
    Task<string> CreateSecurityGroupAsync(string vpcId, string groupName, string description, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken);

    /// <summary>Adds rules; rules that already exist are not an error.</summary>
    Task AuthorizeAsync(string groupId, RuleDirection direction, IReadOnlyList<SecurityGroupRule> rules, CancellationToken cancellationToken);

    /// <summary>Removes rules; rules that do not exist are not an error.</summary>
    Task RevokeAsync(string groupId, RuleDirection direction, IReadOnlyList<SecurityGroupRule> rules, CancellationToken cancellationToken);

    /// <summary>Throws <see cref="SecurityGroupNotFoundException"/> when EC2 does not know a group (deleted, or not yet visible).</summary>
    Task SetNetworkInterfaceGroupsAsync(string networkInterfaceId, IReadOnlyList<string> groupIds, CancellationToken cancellationToken);

    /// <summary>Those of <paramref name="groupIds"/> that exist in the VPC.</summary>
    Task<IReadOnlyList<string>> FindExistingSecurityGroupIdsAsync(string vpcId, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken);

    Task<IReadOnlyList<NetworkInterfaceGroups>> DescribeNetworkInterfaceGroupsAsync(IReadOnlyList<string> networkInterfaceIds, CancellationToken cancellationToken);

    /// <summary>
    /// The branch ENIs behind these trunk ENIs (EKS security groups for pods, ECS ENI trunking), with their groups and
    /// VPC: DescribeInstances does not list them. Says what could not be searched rather than failing.
    /// </summary>
    Task<BranchInterfaces> FindBranchInterfacesAsync(IReadOnlyList<string> trunkInterfaceIds, CancellationToken cancellationToken);

    /// <summary>Swaps the profile of an association without a gap; returns the new association id. <see cref="ResourceGoneException"/> when the profile no longer exists.</summary>
    Task<string> ReplaceProfileAssociationAsync(string associationId, string instanceProfile, CancellationToken cancellationToken);

    /// <summary>Associates a profile with an instance that has none; returns the association id. <see cref="ResourceGoneException"/> when the profile no longer exists.</summary>
    Task<string> AssociateProfileAsync(string instanceId, string instanceProfile, CancellationToken cancellationToken);

    Task DisassociateProfileAsync(string associationId, CancellationToken cancellationToken);

    /// <summary>Sets the <paramref name="attributes"/> of <paramref name="protection"/>, one call each; the others are not sent.</summary>
    Task SetProtectionAsync(string instanceId, InstanceProtection protection, ProtectionAttributes attributes, CancellationToken cancellationToken);

    Task SetDeleteOnTerminationAsync(string instanceId, IReadOnlyList<VolumeAttachment> volumes, CancellationToken cancellationToken);

    /// <summary>Snapshots carrying this tag, so that a rerun does not snapshot twice.</summary>
    Task<IReadOnlyList<string>> FindSnapshotsAsync(string tagKey, string tagValue, CancellationToken cancellationToken);

    /// <summary>Crash-consistent snapshots of every EBS volume of the instance, tagged; returns their ids.</summary>
    Task<IReadOnlyList<string>> CreateSnapshotsAsync(string instanceId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken);

    Task CreateTagsAsync(string resourceId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken);

    Task DeleteTagsAsync(string resourceId, IReadOnlyCollection<string> tagKeys, CancellationToken cancellationToken);

    /// <summary>Launches one instance as <paramref name="spec"/> says, tagged on creation; returns its id.</summary>
    Task<string> RunReplacementAsync(ReplacementSpec spec, CancellationToken cancellationToken);
}

public enum RuleDirection
{
    Ingress,
    Egress,
}

/// <summary>Branch ENIs found behind trunk ENIs, and why the search may have missed some (empty when it cannot have).</summary>
public sealed record BranchInterfaces(IReadOnlyList<NetworkInterfaceGroups> Found, IReadOnlyList<string> Gaps);

/// <summary>
/// EC2 does not know a security group (<c>InvalidGroup.NotFound</c>): right after <c>CreateSecurityGroup</c> this is
/// eventual consistency and passes (https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html).
/// </summary>
public sealed class SecurityGroupNotFoundException(string message, Exception? innerException = null)
    : Exception(message, innerException);

/// <summary>Thrown when a security group name is already taken in the VPC (another run created it first).</summary>
public sealed class SecurityGroupExistsException(string message, Exception? innerException = null)
    : Exception(message, innerException);
