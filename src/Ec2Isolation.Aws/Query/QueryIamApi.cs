using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.Query;

/// <summary>The engine's IAM calls over the signed Query client.</summary>
public sealed class QueryIamApi(AwsQueryClient client) : IIamApi
{
    public async Task<IReadOnlyList<string>> GetInstanceProfileRolesAsync(string instanceProfile, CancellationToken cancellationToken)
    {
        var result = await client.SendAsync(
            "GetInstanceProfile", [new("InstanceProfileName", ProfileName(instanceProfile))], cancellationToken);
        return [.. result.Child("InstanceProfile")?.Members("Roles").Select(role => role.RequiredValue("RoleName")) ?? []];
    }

    public Task PutRolePolicyAsync(string roleName, string policyName, string policyDocument, CancellationToken cancellationToken) =>
        client.SendAsync(
            "PutRolePolicy",
            [new("RoleName", roleName), new("PolicyName", policyName), new("PolicyDocument", policyDocument)],
            cancellationToken);

    public async Task DeleteRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken)
    {
        try
        {
            await client.SendAsync("DeleteRolePolicy", [new("RoleName", roleName), new("PolicyName", policyName)], cancellationToken);
        }
        catch (AwsQueryException e) when (e.Code == "NoSuchEntity")
        {
            // The policy (or its role) is already gone: the outcome asked for.
        }
    }

    /// <summary>The name from <c>arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME</c>, or the argument when it is a name.</summary>
    internal static string ProfileName(string nameOrArn)
    {
        ArgumentException.ThrowIfNullOrEmpty(nameOrArn);
        return nameOrArn.StartsWith("arn:", StringComparison.Ordinal) ? nameOrArn[(nameOrArn.LastIndexOf('/') + 1)..] : nameOrArn;
    }
}
