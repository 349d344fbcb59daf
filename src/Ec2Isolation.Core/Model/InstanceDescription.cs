namespace Ec2Isolation.Core.Model;

/// <summary>What EC2 says about an instance at the moment it is resolved.</summary>
public sealed record InstanceDescription
{
    public required string InstanceId { get; init; }
    public required string AccountId { get; init; }
    public required string State { get; init; }
    public required string? VpcId { get; init; }
    public bool IsSpot { get; init; }

    /// <summary>True when its root device is an instance store volume (RootDeviceType instance-store): it can never stop.</summary>
    public bool HasInstanceStoreRoot { get; init; }
    public required IReadOnlyList<NetworkInterfaceGroups> NetworkInterfaces { get; init; }
    public required IReadOnlyList<VolumeAttachment> Volumes { get; init; }
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public string? SubnetId { get; init; }
    public string? InstanceType { get; init; }

    /// <summary>The names of the security groups on its ENIs, by id (DescribeInstances gives both).</summary>
    public IReadOnlyDictionary<string, string> GroupNames { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The private addresses (IPv4 and IPv6) of each ENI, with the ENI's VPC: what an ELBv2 target group of type ip can
    /// hold of this instance. Empty when not read.
    /// </summary>
    public IReadOnlyList<InterfaceAddresses> PrivateAddresses { get; init; } = [];

    /// <summary>True when an ENI of the instance has an IPv6 address or prefix: it may have flows over IPv6.</summary>
    public bool UsesIpv6 { get; init; }

    /// <summary>The name of the EC2 key pair it was launched with, or null.</summary>
    public string? KeyName { get; init; }

    /// <summary>What an image registered from its root volume's snapshot must repeat for it to boot (<c>replace --before</c>).</summary>
    public BootTraits? Boot { get; init; }

    public bool IsGone => State is "terminated" or "shutting-down";

    /// <summary>
    /// The launch template and version the instance was launched from, from the tags EC2 puts on such instances
    /// (DescribeInstances has no other trace of it); null when it was launched otherwise.
    /// </summary>
    public LaunchTemplateReference? LaunchTemplate =>
        Tags.TryGetValue("aws:ec2launchtemplate:id", out var id) && Tags.TryGetValue("aws:ec2launchtemplate:version", out var version)
            ? new LaunchTemplateReference(id, version)
            : null;
}

/// <summary>An ENI and the security groups attached to it, in EC2's order.</summary>
public sealed record NetworkInterfaceGroups(string NetworkInterfaceId, IReadOnlyList<string> GroupIds)
{
    /// <summary>
    /// The ENI's own VPC: since 2023 a secondary ENI may come from another VPC of the instance's Availability Zone
    /// (multi-VPC ENI attachments, https://aws.amazon.com/about-aws/whats-new/2023/10/multi-vpc-eni-attachments/).
    /// Null in records written before it was recorded: the record's VPC.
    /// </summary>
    public string? VpcId { get; init; }

    /// <summary>A trunk ENI (EKS security groups for pods, ECS ENI trunking): branch ENIs may hang off it.</summary>
    public bool IsTrunk { get; init; }

    /// <summary>For a branch ENI, the trunk ENI it hangs off (DescribeInstances does not list branch ENIs); else null.</summary>
    public string? TrunkInterfaceId { get; init; }

    /// <summary>The VPC the ENI is in, the instance's (<paramref name="instanceVpcId"/>) when it was not recorded.</summary>
    public string VpcOr(string instanceVpcId) => VpcId ?? instanceVpcId;
}

/// <summary>The private addresses of one ENI, and the VPC it lives in (an ENI may come from another VPC of the zone).</summary>
public sealed record InterfaceAddresses(string NetworkInterfaceId, string VpcId, IReadOnlyList<string> Addresses);

/// <summary>An EBS volume attached to the instance.</summary>
public sealed record VolumeAttachment(string VolumeId, string DeviceName, bool DeleteOnTermination);

/// <summary>The instance attributes that protect it as evidence.</summary>
public sealed record InstanceProtection(bool DisableApiTermination, bool DisableApiStop, string ShutdownBehavior);

/// <summary>An instance profile associated with the instance.</summary>
public sealed record ProfileAssociation(string AssociationId, string InstanceProfileArn);

/// <summary>The instance's membership of an Auto Scaling group.</summary>
public sealed record AutoScalingMembership(string GroupName, string LifecycleState);

/// <summary>
/// One registration of the instance in an ELBv2 target group: by instance id (a group of type instance), or by one of
/// its private addresses, <paramref name="IpAddress"/> (a group of type ip; null in records written before).
/// </summary>
public sealed record TargetRegistration(string TargetGroupArn, int? Port, string? AvailabilityZone, string? IpAddress = null);

/// <summary>A security group as found in a VPC.</summary>
public sealed record SecurityGroupInfo
{
    public required string GroupId { get; init; }
    public required string GroupName { get; init; }
    public required string VpcId { get; init; }
    public IReadOnlyList<SecurityGroupRule> Ingress { get; init; } = [];
    public IReadOnlyList<SecurityGroupRule> Egress { get; init; } = [];
}

/// <summary>
/// One rule of a security group: a protocol ("-1" for all), a port range and one peer
/// (an IPv4 CIDR, an IPv6 CIDR, a security group id or a prefix list id). Every kind is read, so that a rule
/// someone added to the quarantine group is always seen, and revoked.
/// </summary>
public sealed record SecurityGroupRule(string Protocol, int? FromPort, int? ToPort, string Peer)
{
    public static SecurityGroupRule AllTraffic(string peer) => new("-1", null, null, peer);

    public bool PeerIsGroup => Peer.StartsWith("sg-", StringComparison.Ordinal);

    public bool PeerIsPrefixList => Peer.StartsWith("pl-", StringComparison.Ordinal);

    public bool PeerIsIpv6 => !PeerIsGroup && !PeerIsPrefixList && Peer.Contains(':', StringComparison.Ordinal);

    public override string ToString() =>
        Protocol == "-1" ? $"all {Peer}" : $"{Protocol} {FromPort}-{ToPort} {Peer}";
}

/// <summary>
/// The instance's boot traits as DescribeInstances gives them: RegisterImage needs them to build an image that boots
/// from a snapshot of its root volume (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RegisterImage.html).
/// <paramref name="PlatformDetails"/> is "Linux/UNIX", "Windows", "Red Hat Enterprise Linux", ...
/// </summary>
public sealed record BootTraits(string RootDeviceName, string Architecture, string PlatformDetails, string? BootMode, bool EnaSupport);
