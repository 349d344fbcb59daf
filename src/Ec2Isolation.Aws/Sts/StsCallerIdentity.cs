using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.Sts;

/// <summary>
/// <see cref="ICallerIdentity"/> and <see cref="IAccountIdentity"/> from one STS GetCallerIdentity, asked once and then cached.
/// </summary>
public sealed class StsCallerIdentity(IAmazonSecurityTokenService sts) : ICallerIdentity, IAccountIdentity
{
    private Task<GetCallerIdentityResponse>? _identity;

    public async Task<string> GetCallerArnAsync(CancellationToken cancellationToken) => (await IdentityAsync(cancellationToken)).Arn;

    public async Task<string> GetAccountIdAsync(CancellationToken cancellationToken) => (await IdentityAsync(cancellationToken)).Account;

    private async Task<GetCallerIdentityResponse> IdentityAsync(CancellationToken cancellationToken)
    {
        var identity = _identity ??= sts.GetCallerIdentityAsync(new(), cancellationToken);
        try
        {
            return await identity;
        }
        catch
        {
            // A failed call is not cached: the next caller asks again.
            _ = Interlocked.CompareExchange(ref _identity, null, identity);
            throw;
        }
    }
}
