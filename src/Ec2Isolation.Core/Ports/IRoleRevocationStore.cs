namespace Ec2Isolation.Core.Ports;

/// <summary>
/// Which isolated instances each role's revocation boundary must deny, one item per role of the account (IAM is global:
/// the instances of every region share it). Writes are conditional on the version read, so that two runs revoking on
/// one role at once never lose each other's instance; the boundary policy is rendered from this list.
/// </summary>
public interface IRoleRevocationStore
{
    Task<RoleRevocation?> GetAsync(string roleName, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the item. With <paramref name="expectedVersion"/> null it must not exist yet; otherwise the stored version
    /// must equal it. Throws <see cref="RecordConflictException"/> when the condition fails.
    /// </summary>
    Task PutAsync(RoleRevocation revocation, long? expectedVersion, CancellationToken cancellationToken);
}

/// <summary>The instances whose sessions of one role are denied, in the order they were revoked.</summary>
public sealed class RoleRevocation
{
    public required string RoleName { get; init; }

    /// <summary>Incremented on every write.</summary>
    public long Version { get; set; }

    /// <summary>
    /// The ids of the isolated instances of this role, oldest first. Ids, not ARNs: the role serves every region, and
    /// the boundary names each instance as <c>*/ID</c> (see <c>RevocationBoundary</c>).
    /// </summary>
    public List<string> InstanceIds { get; init; } = [];

    /// <summary>
    /// Set while more instances are isolated than one boundary policy can name: every instance session of the role
    /// issued before this time is denied too. Cleared when the list fits again.
    /// </summary>
    public DateTimeOffset? RoleWideBefore { get; set; }
}
