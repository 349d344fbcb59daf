namespace Ec2Isolation.Core.Approvals;

/// <summary>Who belongs to a Slack user group: the members of the approver groups (Slack's usergroups.users.list).</summary>
public interface IApproverDirectory
{
    /// <summary>
    /// The user ids of the group's members, as Slack lists them now. Throws <see cref="ApproverDirectoryException"/>
    /// when they cannot be read (no such group, a bad token, Slack unreachable or rate limiting).
    /// </summary>
    Task<IReadOnlySet<string>> MembersAsync(string groupId, CancellationToken cancellationToken);
}

/// <summary>A user group's members could not be read; its message says why and never holds the token.</summary>
public sealed class ApproverDirectoryException(string message) : Exception(message);
