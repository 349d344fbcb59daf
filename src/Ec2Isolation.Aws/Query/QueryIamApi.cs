using System.Globalization;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.Query;

/// <summary>The engine's IAM calls over the signed Query client (IAM API reference, https://docs.aws.amazon.com/IAM/latest/APIReference/).</summary>
public sealed class QueryIamApi(AwsQueryClient client) : IIamApi
{
    public async Task<IReadOnlyList<string>> GetInstanceProfileRolesAsync(string instanceProfile, CancellationToken cancellationToken)
    {
        var result = await client.SendAsync(
            "GetInstanceProfile", [new("InstanceProfileName", ProfileName(instanceProfile))], cancellationToken);
        return [.. result.Child("InstanceProfile")?.Members("Roles").Select(role => role.RequiredValue("RoleName")) ?? []];
    }

    public async Task<string?> GetRolePermissionsBoundaryAsync(string roleName, CancellationToken cancellationToken)
    {
        var result = await client.SendAsync("GetRole", [new("RoleName", roleName)], cancellationToken);
        return result.Child("Role")?.Child("PermissionsBoundary")?.ChildValue("PermissionsBoundaryArn");
    }

    public async Task<bool> CreatePolicyAsync(string path, string policyName, string policyDocument, CancellationToken cancellationToken)
    {
        try
        {
            await client.SendAsync(
                "CreatePolicy",
                [new("Path", path), new("PolicyName", policyName), new("PolicyDocument", policyDocument),
                 new("Description", "ec2-isolation: denies the sessions of isolated instances (a permissions boundary; it grants nothing)")],
                cancellationToken);
            return true;
        }
        catch (AwsQueryException e) when (e.Code == "EntityAlreadyExists")
        {
            return false;
        }
    }

    public async Task<string> GetDefaultPolicyDocumentAsync(string policyArn, CancellationToken cancellationToken)
    {
        var policy = await client.SendAsync("GetPolicy", [new("PolicyArn", policyArn)], cancellationToken);
        var versionId = policy.Child("Policy")?.RequiredValue("DefaultVersionId")
            ?? throw new InvalidOperationException($"GetPolicy answered no policy for {policyArn}.");
        var version = await client.SendAsync("GetPolicyVersion", [new("PolicyArn", policyArn), new("VersionId", versionId)], cancellationToken);
        // IAM returns policy documents URL-encoded (RFC 3986): GetPolicyVersion, "Document" in the IAM API reference.
        return Uri.UnescapeDataString(version.Child("PolicyVersion")?.RequiredValue("Document") ?? string.Empty);
    }

    public async Task<IReadOnlyList<PolicyVersion>> ListPolicyVersionsAsync(string policyArn, CancellationToken cancellationToken)
    {
        var versions = new List<PolicyVersion>();
        await foreach (var page in client.SendPagedAsync("ListPolicyVersions", [new("PolicyArn", policyArn)], QueryPaging.Marker, cancellationToken))
        {
            versions.AddRange(page.Members("Versions").Select(v => new PolicyVersion(
                v.RequiredValue("VersionId"),
                string.Equals(v.ChildValue("IsDefaultVersion"), "true", StringComparison.OrdinalIgnoreCase),
                DateTimeOffset.Parse(v.RequiredValue("CreateDate"), CultureInfo.InvariantCulture))));
        }

        return versions;
    }

    public async Task CreatePolicyVersionAsync(string policyArn, string policyDocument, CancellationToken cancellationToken)
    {
        try
        {
            await client.SendAsync(
                "CreatePolicyVersion",
                [new("PolicyArn", policyArn), new("PolicyDocument", policyDocument), new("SetAsDefault", "true")],
                cancellationToken);
        }
        catch (AwsQueryException e) when (e.Code == "LimitExceeded" && e.ErrorMessage.Contains("version", StringComparison.OrdinalIgnoreCase))
        {
            // "A managed policy can have up to five versions" (CreatePolicyVersion, IAM API reference); the size limit
            // answers LimitExceeded too, with a message about PolicySize, and stays an error.
            throw new PolicyVersionsFullException(e.ErrorMessage, e);
        }
    }

    public async Task DeletePolicyVersionAsync(string policyArn, string versionId, CancellationToken cancellationToken)
    {
        try
        {
            await client.SendAsync("DeletePolicyVersion", [new("PolicyArn", policyArn), new("VersionId", versionId)], cancellationToken);
        }
        catch (AwsQueryException e) when (e.Code == "NoSuchEntity")
        {
            // Another run deleted it first: the outcome asked for.
        }
    }

    public Task PutRolePermissionsBoundaryAsync(string roleName, string policyArn, CancellationToken cancellationToken) =>
        client.SendAsync("PutRolePermissionsBoundary", [new("RoleName", roleName), new("PermissionsBoundary", policyArn)], cancellationToken);

    public Task DeleteRolePermissionsBoundaryAsync(string roleName, CancellationToken cancellationToken) =>
        IgnoringNoSuchEntity(client.SendAsync("DeleteRolePermissionsBoundary", [new("RoleName", roleName)], cancellationToken));

    public Task DeleteRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken) =>
        IgnoringNoSuchEntity(client.SendAsync("DeleteRolePolicy", [new("RoleName", roleName), new("PolicyName", policyName)], cancellationToken));

    /// <summary>A delete whose target (or its role) is already gone has the outcome asked for.</summary>
    private static async Task IgnoringNoSuchEntity(Task call)
    {
        try
        {
            await call;
        }
        catch (AwsQueryException e) when (e.Code == "NoSuchEntity")
        {
        }
    }

    /// <summary>The name from <c>arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME</c>, or the argument when it is a name.</summary>
    internal static string ProfileName(string nameOrArn)
    {
        ArgumentException.ThrowIfNullOrEmpty(nameOrArn);
        return nameOrArn.StartsWith("arn:", StringComparison.Ordinal) ? nameOrArn[(nameOrArn.LastIndexOf('/') + 1)..] : nameOrArn;
    }
}
