using Amazon.SecurityToken;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.Sts;

/// <summary><see cref="ICallerIdentity"/> from STS GetCallerIdentity, asked once and then cached.</summary>
public sealed class StsCallerIdentity(IAmazonSecurityTokenService sts) : ICallerIdentity
{
    private string? _arn;

    public async Task<string> GetCallerArnAsync(CancellationToken cancellationToken) =>
        _arn ??= (await sts.GetCallerIdentityAsync(new(), cancellationToken)).Arn;
}
