namespace Ec2Isolation.Core.Ports;

/// <summary>The IAM calls the engine makes (through the signed Query client; AWSSDK.IdentityManagement could replace it).</summary>
public interface IIamApi
{
    /// <summary>The roles in an instance profile, given its name or ARN.</summary>
    Task<IReadOnlyList<string>> GetInstanceProfileRolesAsync(string instanceProfile, CancellationToken cancellationToken);

    Task PutRolePolicyAsync(string roleName, string policyName, string policyDocument, CancellationToken cancellationToken);

    /// <summary>Deletes an inline policy; a policy that is already gone is not an error.</summary>
    Task DeleteRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken);
}
