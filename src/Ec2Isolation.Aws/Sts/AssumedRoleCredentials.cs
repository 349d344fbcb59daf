using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace Ec2Isolation.Aws.Sts;

/// <summary>
/// A member account's role, assumed with STS on first use and again before the session expires (the SDK's
/// <see cref="RefreshingAWSCredentials"/> decides when). Written here because the SDK's own assume-role credentials
/// load the STS client by reflection, which Native AOT does not keep.
/// </summary>
/// <param name="sts">STS over the deployment's own credentials.</param>
/// <param name="roleArn">arn:{partition}:iam::{account}:role/{member role}.</param>
/// <param name="sessionName">Names the session in the member account's CloudTrail.</param>
/// <param name="externalId">When the member role's trust requires one.</param>
public sealed class AssumedRoleCredentials(IAmazonSecurityTokenService sts, string roleArn, string sessionName, string? externalId)
    : RefreshingAWSCredentials
{
    public string RoleArn { get; } = roleArn;

    protected override CredentialsRefreshState GenerateNewCredentials() =>
        GenerateNewCredentialsAsync().GetAwaiter().GetResult();

    protected override async Task<CredentialsRefreshState> GenerateNewCredentialsAsync()
    {
        AssumeRoleResponse response;
        try
        {
            response = await sts.AssumeRoleAsync(new AssumeRoleRequest
            {
                RoleArn = RoleArn,
                RoleSessionName = sessionName,
                ExternalId = externalId,
            });
        }
        catch (AmazonServiceException e)
        {
            throw new InvalidOperationException(
                $"The member role {RoleArn} could not be assumed (is the member stack deployed in that account, trusting this deployment's role?): {e.Message}", e);
        }

        var credentials = response.Credentials;
        return new CredentialsRefreshState(
            new ImmutableCredentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken),
            credentials.Expiration ?? throw new InvalidOperationException($"STS returned credentials for {RoleArn} without an expiry."));
    }
}
