using System.Text.Json;
using Amazon;
using Amazon.Runtime.Signing;
using Ec2Isolation.Core.Accounts;

namespace Ec2Isolation.Aws.Organizations;

/// <summary>
/// <see cref="IOrganizationAccounts"/> over AWS Organizations: every active account of the organization (ListAccounts),
/// or of the organizational units and the units nested in them (ListAccountsForParent, ListOrganizationalUnitsForParent),
/// kept for <see cref="TimeToLive"/>. Only the management account or a delegated administrator may call these
/// (https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html); the error then says so.
/// </summary>
public sealed class OrganizationAccounts(AwsJsonClient client, AccountSettings settings, TimeProvider time) : IOrganizationAccounts, IDisposable
{
    /// <summary>A listing serves this long: a new account is covered within it even by the sweep, and at once by its first event.</summary>
    public static readonly TimeSpan TimeToLive = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Listings are at least this far apart, whatever the events name (Organizations' request rate is low): a refresh
    /// asked sooner waits for it rather than refuse an account that joined just after the last listing.
    /// </summary>
    public static readonly TimeSpan MinimumRefreshInterval = TimeSpan.FromSeconds(10);

    private const string TargetPrefix = "AWSOrganizationsV20161128";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (IReadOnlySet<string> Accounts, DateTimeOffset ListedAt)? _last;

    /// <summary>A reader with the factory's credentials: Organizations' one endpoint per partition, or the configured one.</summary>
    public static OrganizationAccounts Create(AwsClientFactory clients, AccountSettings settings, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(clients);
        // Organizations is global: one endpoint and signing region per partition
        // (https://docs.aws.amazon.com/general/latest/gr/ao.html).
        var (endpoint, signingRegion) = clients.Region.PartitionName switch
        {
            "aws-cn" => ("https://organizations.cn-northwest-1.amazonaws.com.cn/", RegionEndpoint.CNNorthWest1),
            "aws-us-gov" => ("https://organizations.us-gov-west-1.amazonaws.com/", RegionEndpoint.USGovCloudWest1),
            _ => ("https://organizations.us-east-1.amazonaws.com/", RegionEndpoint.USEast1),
        };
        var configured = clients.Connection.EndpointUrl
            ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_ORGANIZATIONS")
            ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
        var signer = new SigV4SigningHandler(clients.Credentials, signingRegion, "organizations", new SocketsHttpHandler
        {
            // Redirects must never be followed below the signer.
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        });
        return new OrganizationAccounts(new AwsJsonClient(new HttpClient(signer), new Uri(configured ?? endpoint), TargetPrefix, time), settings, time);
    }

    public async Task<IReadOnlySet<string>> GetAccountsAsync(bool refresh, CancellationToken cancellationToken)
    {
        var asked = time.GetUtcNow();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } last)
            {
                // Listed after this caller asked (it waited for another's refresh), or fresh enough for a plain read.
                if (last.ListedAt >= asked || (!refresh && time.GetUtcNow() - last.ListedAt < TimeToLive))
                {
                    return last.Accounts;
                }

                if (refresh && last.ListedAt + MinimumRefreshInterval - time.GetUtcNow() is { Ticks: > 0 } wait)
                {
                    await Task.Delay(wait, time, cancellationToken);
                }
            }

            var listedAt = time.GetUtcNow();
            var accounts = await ListAsync(cancellationToken);
            _last = (accounts, listedAt);
            return accounts;
        }
        catch (AwsJsonException e)
        {
            throw new InvalidOperationException(
                $"AWS Organizations could not list the accounts of {Scope()} ({e.Message}): the deployment's account must be the "
                + "organization's management account or a delegated administrator (docs/many-accounts.md).", e);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private string Scope() => settings.AllowedAccounts.Contains(AccountSettings.WholeOrganization)
        ? "the organization"
        : string.Join(", ", settings.OrganizationUnits);

    private async Task<IReadOnlySet<string>> ListAsync(CancellationToken cancellationToken)
    {
        var accounts = new HashSet<string>(StringComparer.Ordinal);
        if (settings.AllowedAccounts.Contains(AccountSettings.WholeOrganization))
        {
            await foreach (var account in PagesAsync("ListAccounts", "Accounts", parent: null, cancellationToken))
            {
                AddIfActive(accounts, account);
            }

            return accounts;
        }

        // Breadth first through the units and every unit nested in them.
        var units = new Queue<string>(settings.OrganizationUnits);
        var seen = new HashSet<string>(units, StringComparer.Ordinal);
        while (units.TryDequeue(out var unit))
        {
            await foreach (var account in PagesAsync("ListAccountsForParent", "Accounts", unit, cancellationToken))
            {
                AddIfActive(accounts, account);
            }

            await foreach (var child in PagesAsync("ListOrganizationalUnitsForParent", "OrganizationalUnits", unit, cancellationToken))
            {
                if (child.GetProperty("Id").GetString() is { } id && seen.Add(id))
                {
                    units.Enqueue(id);
                }
            }
        }

        return accounts;
    }

    /// <summary>
    /// An account that can be acted in: State ACTIVE (or, from an endpoint that answers only the older Status, ACTIVE),
    /// not SUSPENDED or PENDING_CLOSURE (https://docs.aws.amazon.com/organizations/latest/APIReference/API_Account.html).
    /// </summary>
    private static void AddIfActive(HashSet<string> accounts, JsonElement account)
    {
        var state = account.TryGetProperty("State", out var s) ? s.GetString()
            : account.TryGetProperty("Status", out var status) ? status.GetString()
            : null;
        if (state == "ACTIVE" && account.GetProperty("Id").GetString() is { } id && AccountSettings.IsAccountId(id))
        {
            accounts.Add(id);
        }
    }

    /// <summary>Every item of a list action, page after page (NextToken).</summary>
    private async IAsyncEnumerable<JsonElement> PagesAsync(
        string action, string member, string? parent, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? next = null;
        do
        {
            using var page = await client.SendAsync(action, json =>
            {
                if (parent is not null)
                {
                    json.WriteString("ParentId", parent);
                }

                if (next is not null)
                {
                    json.WriteString("NextToken", next);
                }
            }, cancellationToken);
            if (page.RootElement.TryGetProperty(member, out var items))
            {
                foreach (var item in items.EnumerateArray())
                {
                    yield return item.Clone();
                }
            }

            next = page.RootElement.TryGetProperty("NextToken", out var token) ? token.GetString() : null;
        }
        while (!string.IsNullOrEmpty(next));
    }
}
