using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Accounts;

/// <summary>
/// <see cref="IAccountRouter"/>: decides whether an account may be acted in and builds its services once. Building a
/// member's services makes no call: its role is assumed on its first AWS call, and its credentials are refreshed from then on.
/// </summary>
/// <param name="settings">Central mode; null: the own account only.</param>
/// <param name="deploymentRegion">The deployment's region.</param>
/// <param name="home">The deployment's own account id.</param>
/// <param name="homeServices">The services over the deployment's own credentials.</param>
/// <param name="memberServices">Builds the services of a member account over its member role.</param>
public sealed partial class AccountRouter(
    AccountSettings? settings,
    string deploymentRegion,
    IAccountIdentity home,
    AccountServices homeServices,
    Func<string, AccountServices> memberServices,
    ILogger<AccountRouter> logger) : IAccountRouter
{
    private readonly ConcurrentDictionary<string, Lazy<AccountServices>> _members = new(StringComparer.Ordinal);

    public AccountServices Home { get; } = homeServices;

    public async Task<AccountServices> ForAsync(string accountId, string? region, CancellationToken cancellationToken)
    {
        if (region is not null && region != deploymentRegion)
        {
            throw Refuse(accountId, $"the event is from {Isolation.InstanceIds.Printable(region)}, and this deployment acts in {deploymentRegion} only (deploy it in each region)");
        }

        if (!AccountSettings.IsAccountId(accountId))
        {
            throw Refuse(Isolation.InstanceIds.Printable(accountId), "it is not an AWS account id (12 digits)");
        }

        var own = await home.GetAccountIdAsync(cancellationToken);
        if (accountId == own)
        {
            return Home;
        }

        if (settings is null)
        {
            throw Refuse(accountId, $"this deployment acts in its own account {own} only (central mode needs EC2ISOLATION_MEMBER_ROLE_NAME and EC2ISOLATION_ALLOWED_ACCOUNTS)");
        }

        if (!settings.Allows(accountId))
        {
            throw Refuse(accountId, "it is not in EC2ISOLATION_ALLOWED_ACCOUNTS");
        }

        return _members.GetOrAdd(accountId, id => new Lazy<AccountServices>(() => memberServices(id))).Value;
    }

    private AccountRefusedException Refuse(string accountId, string why)
    {
        LogRefused(logger, accountId, why);
        return new AccountRefusedException($"Refused to act in account {accountId}: {why}. Nothing was changed.");
    }

    [LoggerMessage(2100, LogLevel.Warning, "Refused to act in account {AccountId}: {Why}")]
    private static partial void LogRefused(ILogger logger, string accountId, string why);
}
