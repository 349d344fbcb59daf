namespace Ec2Isolation.Core.Model;

/// <summary>
/// How a record whose instance no longer exists (terminated, or no longer described by EC2) was closed, by the sweep or
/// a release: its status is <see cref="IsolationStatus.Released"/>, but nothing of the instance could be restored. What
/// the isolation added outside the instance that would harm another one was removed: the network ACL denies of its
/// addresses, which EC2 hands to a future instance. The rest stays as evidence (snapshots, the quarantine groups).
/// </summary>
public sealed class InstanceGone
{
    public required DateTimeOffset ClosedAt { get; init; }

    /// <summary>What EC2 said of the instance: "terminated", or "not found" once EC2 no longer describes it.</summary>
    public required string InstanceState { get; init; }

    /// <summary>The network ACL denies the closure removed (those still in their ACL as written; the rest were gone already).</summary>
    public List<NetworkAclDeny> RemovedNetworkAclDenies { get; set; } = [];
}
