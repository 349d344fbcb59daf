using System.Text.RegularExpressions;
using Ec2Isolation.Core.Configuration;

namespace Ec2Isolation.Core.Accounts;

/// <summary>
/// Central mode: one deployment isolating instances in other accounts of the organization by assuming a role there
/// (EC2ISOLATION_MEMBER_ROLE_NAME, EC2ISOLATION_ALLOWED_ACCOUNTS, EC2ISOLATION_MEMBER_EXTERNAL_ID). Without a member
/// role the deployment acts in its own account only.
/// </summary>
/// <param name="MemberRoleName">The execution role every member account holds, with its path when not / (e.g. ec2-isolation/ec2-isolation-member-us-east-1), assumed as arn:{partition}:iam::{account}:role/{name}.</param>
/// <param name="AllowedAccounts">
/// The member accounts it may act in: account ids; <see cref="WholeOrganization"/> or organizational unit ids (ou-...) for
/// the active accounts AWS Organizations lists there now (<see cref="IOrganizationAccounts"/>), so that an account created
/// later is covered without a redeploy; or <see cref="AnyAccount"/>, which leaves the choice to the member roles' trust policies.
/// </param>
/// <param name="ExternalId">Passed to AssumeRole when the member roles require one.</param>
public sealed partial record AccountSettings(string MemberRoleName, IReadOnlySet<string> AllowedAccounts, string? ExternalId)
{
    /// <summary>EC2ISOLATION_ALLOWED_ACCOUNTS=* : any account whose member role trusts this deployment.</summary>
    public const string AnyAccount = "*";

    /// <summary>EC2ISOLATION_ALLOWED_ACCOUNTS=organization : every active account of the deployment's organization.</summary>
    public const string WholeOrganization = "organization";

    /// <summary>Allowed by the list itself, without asking AWS Organizations.</summary>
    public bool Allows(string accountId) => AllowedAccounts.Contains(AnyAccount) || AllowedAccounts.Contains(accountId);

    /// <summary>The listed account ids (neither <see cref="AnyAccount"/> nor an organization scope).</summary>
    public IEnumerable<string> ListedAccounts => AllowedAccounts.Where(IsAccountId);

    /// <summary>The organizational units whose accounts (nested units included) are allowed, as listed.</summary>
    public IReadOnlyList<string> OrganizationUnits => [.. AllowedAccounts.Where(IsOrganizationUnit).Order(StringComparer.Ordinal)];

    /// <summary>Some accounts are allowed by where they are in the organization, read from AWS Organizations.</summary>
    public bool OrganizationScoped => NamesOrganizationScope(AllowedAccounts);

    /// <summary>The list names the organization or one of its units: accounts are read from AWS Organizations.</summary>
    public static bool NamesOrganizationScope(IEnumerable<string> allowed) => allowed.Any(a => a == WholeOrganization || IsOrganizationUnit(a));

    /// <summary>An organizational unit id: ou-, the root's 4 to 32 characters, -, 8 to 32 characters (Organizations API reference, OrganizationalUnit.Id).</summary>
    public static bool IsOrganizationUnit(string? text) => text is not null && OrganizationUnit().IsMatch(text);

    /// <summary>An AWS account id is exactly 12 digits.</summary>
    public static bool IsAccountId(string? text) => text is not null && AccountId().IsMatch(text);

    /// <summary>Throws <see cref="InvalidRequestException"/> unless the text is an account id.</summary>
    public static string ValidateAccountId(string? text) =>
        IsAccountId(text) ? text! : throw new InvalidRequestException($"'{Isolation.InstanceIds.Printable(text)}' is not an AWS account id (12 digits).");

    [GeneratedRegex(@"^[0-9]{12}\z", RegexOptions.CultureInvariant)]
    private static partial Regex AccountId();

    [GeneratedRegex(@"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex OrganizationUnit();

    /// <summary>A role name (at most 64 characters), after its path if it has one.</summary>
    [GeneratedRegex(@"^([\w+=,.@-]+/)*[\w+=,.@-]{1,64}\z", RegexOptions.CultureInvariant)]
    internal static partial Regex RoleName();

    [GeneratedRegex(@"^[\w+=,.@:/-]{2,1224}\z", RegexOptions.CultureInvariant)]
    internal static partial Regex ExternalIdPattern();
}

/// <summary>Reads <see cref="AccountSettings"/> into <see cref="IsolationSettings"/>, adding a problem for each wrong variable.</summary>
internal static class AccountSettingsReader
{
    private const string Role = "EC2ISOLATION_MEMBER_ROLE_NAME";
    private const string Allowed = "EC2ISOLATION_ALLOWED_ACCOUNTS";
    private const string ExternalId = "EC2ISOLATION_MEMBER_EXTERNAL_ID";

    public static IsolationSettings Read(IsolationSettings settings, Func<string, string?> read, List<string> problems)
    {
        var (role, allowed, externalId) = (read(Role), read(Allowed), read(ExternalId));
        if (role is null)
        {
            if (allowed is not null || externalId is not null)
            {
                problems.Add($"{Allowed} and {ExternalId} need {Role}: name the role every member account holds");
            }

            return settings;
        }

        var valid = true;
        if (!AccountSettings.RoleName().IsMatch(role))
        {
            problems.Add($"{Role} must be an IAM role name, after its path if it has one (not an ARN: the account comes from each event), not '{role}'");
            valid = false;
        }

        var accounts = (allowed ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        if (accounts.Count == 0 || accounts.Any(a => a is not (AccountSettings.AnyAccount or AccountSettings.WholeOrganization)
            && !AccountSettings.IsAccountId(a) && !AccountSettings.IsOrganizationUnit(a)))
        {
            // Fail closed: central mode without a list would act in whatever account an event names.
            problems.Add($"{Allowed} must list the member account ids (12 digits) and organizational unit ids (ou-...), comma-separated, "
                + $"or be {AccountSettings.WholeOrganization} for every account of the organization, or {AccountSettings.AnyAccount} to rely on the member roles' trust alone");
            valid = false;
        }

        if (externalId is not null && !AccountSettings.ExternalIdPattern().IsMatch(externalId))
        {
            problems.Add($"{ExternalId} must be 2 to 1224 characters of letters, digits and + = , . @ : / -");
            valid = false;
        }

        if (settings.IsolationInstanceProfile?.StartsWith("arn:", StringComparison.Ordinal) == true)
        {
            problems.Add($"EC2ISOLATION_INSTANCE_PROFILE must be a name with {Role}: each account holds its own profile of that name");
            valid = false;
        }

        return valid ? settings with { Accounts = new AccountSettings(role, accounts, externalId) } : settings;
    }
}
