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
/// <param name="organization">The accounts AWS Organizations lists, for an organization-scoped <paramref name="settings"/>.</param>
public sealed partial class AccountRouter(
    AccountSettings? settings,
    string deploymentRegion,
    IAccountIdentity home,
    AccountServices homeServices,
    Func<string, AccountServices> memberServices,
    ILogger<AccountRouter> logger,
    IOrganizationAccounts? organization = null) : IAccountRouter
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

        if (!settings.Allows(accountId) && !await InOrganizationScopeAsync(settings, accountId, cancellationToken))
        {
            throw Refuse(accountId, settings.OrganizationScoped
                ? $"it is not in EC2ISOLATION_ALLOWED_ACCOUNTS, nor an active account of {Scope(settings)} in AWS Organizations"
                : "it is not in EC2ISOLATION_ALLOWED_ACCOUNTS");
        }

        return _members.GetOrAdd(accountId, id => new Lazy<AccountServices>(() => memberServices(id))).Value;
    }

    public async Task<IReadOnlyList<string>> SweptMembersAsync(string ownAccountId, CancellationToken cancellationToken)
    {
        if (settings is null)
        {
            return [];
        }

        var members = settings.ListedAccounts.ToHashSet(StringComparer.Ordinal);
        if (settings.OrganizationScoped)
        {
            members.UnionWith(await Organization(settings).GetAccountsAsync(refresh: false, cancellationToken));
        }

        members.Remove(ownAccountId);
        return [.. members.Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// In the organization's listing; when not, listed again (the account may be new: the StackSet deploys its member
    /// stack as soon as it joins), which <see cref="IOrganizationAccounts"/> limits to once in a short interval.
    /// </summary>
    private async Task<bool> InOrganizationScopeAsync(AccountSettings central, string accountId, CancellationToken cancellationToken) =>
        central.OrganizationScoped
        && ((await Organization(central).GetAccountsAsync(refresh: false, cancellationToken)).Contains(accountId)
            || (await Organization(central).GetAccountsAsync(refresh: true, cancellationToken)).Contains(accountId));

    private IOrganizationAccounts Organization(AccountSettings central) => organization
        ?? throw new InvalidOperationException($"EC2ISOLATION_ALLOWED_ACCOUNTS names {Scope(central)}, and no AWS Organizations reader was configured.");

    private static string Scope(AccountSettings central) => central.AllowedAccounts.Contains(AccountSettings.WholeOrganization)
        ? "the organization"
        : "the organizational units " + string.Join(", ", central.OrganizationUnits);

    /// <summary>Refused, said once with <see cref="DeploymentMetrics.UncoveredAccountRefusals"/> counted: the stack alarms on it.</summary>
    private AccountRefusedException Refuse(string accountId, string why)
    {
        LogRefused(logger, accountId, 1, why);
        return new AccountRefusedException($"Refused to act in account {accountId}: {why}. Nothing was changed.");
    }

    [LoggerMessage(2100, LogLevel.Warning, "Refused to act in account {AccountId} ({UncoveredAccountRefusals} uncovered): {Why}")]
    private static partial void LogRefused(ILogger logger, string accountId, int uncoveredAccountRefusals, string why);
}
