namespace Ec2Isolation.Core.Ports;

/// <summary>
/// The IAM calls the engine makes (through the signed Query client; AWSSDK.IdentityManagement could replace it). None
/// of them can grant a permission: the engine writes only its own managed policies and sets them as permissions
/// boundaries, which only restrict (README, "Trust").
/// </summary>
public interface IIamApi
{
    /// <summary>The roles in an instance profile, given its name or ARN.</summary>
    Task<IReadOnlyList<string>> GetInstanceProfileRolesAsync(string instanceProfile, CancellationToken cancellationToken);

    /// <summary>The ARN of the role's permissions boundary, or null when it has none.</summary>
    Task<string?> GetRolePermissionsBoundaryAsync(string roleName, CancellationToken cancellationToken);

    /// <summary>Creates a customer managed policy; false, changing nothing, when one of that name exists already.</summary>
    Task<bool> CreatePolicyAsync(string path, string policyName, string policyDocument, CancellationToken cancellationToken);

    /// <summary>The default version's document of a managed policy.</summary>
    Task<string> GetDefaultPolicyDocumentAsync(string policyArn, CancellationToken cancellationToken);

    Task<IReadOnlyList<PolicyVersion>> ListPolicyVersionsAsync(string policyArn, CancellationToken cancellationToken);

    /// <summary>
    /// Adds a version and makes it the default. Throws <see cref="PolicyVersionsFullException"/> when the policy holds
    /// the most versions IAM allows (5).
    /// </summary>
    Task CreatePolicyVersionAsync(string policyArn, string policyDocument, CancellationToken cancellationToken);

    /// <summary>Deletes a non-default version; one already gone is not an error.</summary>
    Task DeletePolicyVersionAsync(string policyArn, string versionId, CancellationToken cancellationToken);

    Task PutRolePermissionsBoundaryAsync(string roleName, string policyArn, CancellationToken cancellationToken);

    /// <summary>Removes the role's permissions boundary; a role already without one (or gone) is not an error.</summary>
    Task DeleteRolePermissionsBoundaryAsync(string roleName, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes an inline policy; a policy that is already gone is not an error. Only a release of a record written by
    /// an earlier release, which revoked with one inline policy per instance, calls it.
    /// </summary>
    Task DeleteRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken);
}

/// <summary>One version of a managed policy.</summary>
public sealed record PolicyVersion(string VersionId, bool IsDefault, DateTimeOffset CreatedAt);

/// <summary>IAM refused a new policy version: the policy holds 5 already (another run may have added one meanwhile).</summary>
public sealed class PolicyVersionsFullException(string message, Exception? innerException = null) : Exception(message, innerException);
