namespace Ec2Isolation.Core.Accounts;

/// <summary>
/// The active accounts of the organization, or of the organizational units, that an organization-scoped deployment
/// covers (<see cref="AccountSettings.OrganizationScoped"/>), as AWS Organizations lists them. Kept for a while: an
/// account is read from the last listing, and a listing is refreshed when it is older than its time to live or when
/// an event names an account it lacks (at most once in a short interval, so that a flood of uncovered events cannot
/// throttle Organizations).
/// </summary>
public interface IOrganizationAccounts
{
    /// <param name="refresh">The caller met an account the listing lacks: list again unless the last listing is very recent.</param>
    /// <exception cref="InvalidOperationException">Organizations could not be read (not the management account or a delegated administrator, throttled): never an empty set.</exception>
    Task<IReadOnlySet<string>> GetAccountsAsync(bool refresh, CancellationToken cancellationToken);
}
