using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Replacement;
using Ec2Isolation.Core.Scanning;

namespace Ec2Isolation.Core.Accounts;

/// <summary>
/// The services acting in one account: the engine, the EC2 calls the event processor makes itself (finding tags,
/// the sweep), replacement, the Amazon Inspector scan of a replacement, and the ELBv2 and Classic Load Balancer reads an
/// approval request's evidence makes. Their records all go to the deployment's own table.
/// </summary>
public sealed record AccountServices(
    IIsolationService Isolation, IEc2Api Ec2, IReplacementService Replacement, IReplacementScanner Scanner, ILoadBalancingApi LoadBalancing,
    IClassicLoadBalancingApi ClassicLoadBalancing);

/// <summary>
/// Which account an event or a command acts in. The deployment's own account uses its own credentials; another
/// account only in central mode (<see cref="AccountSettings"/>) and only when allow-listed, through its member role.
/// </summary>
public interface IAccountRouter
{
    /// <summary>The deployment's own account, with its own credentials.</summary>
    AccountServices Home { get; }

    /// <summary>
    /// The services for <paramref name="accountId"/>. Throws <see cref="AccountRefusedException"/> (nothing changed)
    /// for an account this deployment may not act in, or for a region other than its own.
    /// </summary>
    /// <param name="region">The region an event names; null for the deployment's own (commands).</param>
    Task<AccountServices> ForAsync(string accountId, string? region, CancellationToken cancellationToken);

    /// <summary>
    /// The member accounts a sweep visits, in order: the listed ones and (organization-scoped) the ones AWS Organizations
    /// lists now, never the deployment's own; none outside central mode or with only <see cref="AccountSettings.AnyAccount"/>.
    /// </summary>
    Task<IReadOnlyList<string>> SweptMembersAsync(string ownAccountId, CancellationToken cancellationToken);
}

/// <summary>
/// Which account an identity acts in. The deployment's own: known without a call where possible (the Lambda's invoked
/// function ARN), else asked once (STS); a member's: <see cref="KnownAccount"/>.
/// </summary>
public interface IAccountIdentity
{
    Task<string> GetAccountIdAsync(CancellationToken cancellationToken);
}

/// <summary>An account named by an event or a command.</summary>
public sealed record KnownAccount(string AccountId) : IAccountIdentity
{
    public Task<string> GetAccountIdAsync(CancellationToken cancellationToken) => Task.FromResult(AccountId);
}

/// <summary>An account or region this deployment may not act in: nothing was changed, and a retry cannot change that.</summary>
public sealed class AccountRefusedException(string message) : Exception(message);
