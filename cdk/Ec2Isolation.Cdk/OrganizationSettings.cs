using System.Text.RegularExpressions;
using Ec2Isolation.Core.Accounts;

namespace Ec2Isolation.Cdk;

/// <summary>
/// The names a central stack and the member stacks agree on without a lookup: both derive them from the region, so
/// that a StackSet template holds no reference to the central stack (and IAM's account-wide names never collide
/// between the regions of one account).
/// </summary>
public static class OrganizationNames
{
    /// <summary>The central account's bus that member rules forward their tag changes to.</summary>
    public const string BusName = "ec2-isolation";

    public static string FunctionRole(string region) => $"ec2-isolation-function-{region}";

    public static string MemberRole(string region) => $"ec2-isolation-member-{region}";

    /// <summary>The member stack's optional role for the analysts' CLI (`analystPrincipalArns`).</summary>
    public static string AnalystRole(string region) => $"ec2-isolation-analyst-{region}";

    /// <summary>The deny-all profile every account of the organization holds under this name.</summary>
    public static string IsolationProfile(string region) => $"ec2-isolation-deny-all-{region}";

    /// <summary>EC2ISOLATION_MEMBER_ROLE_NAME: the member role with its path.</summary>
    public static string MemberRoleWithPath(string region) => WithPath(MemberRole(region));

    /// <summary>A role of the stacks' path as EC2ISOLATION_MEMBER_ROLE_NAME names it.</summary>
    public static string WithPath(string roleName) => Ec2IsolationStack.RolePath.TrimStart('/') + roleName;
}

/// <summary>Reads the organization's context keys into <see cref="DeploymentSettings"/> (central and member modes).</summary>
internal static partial class OrganizationSettings
{
    public static DeploymentSettings Read(
        DeploymentSettings settings, Func<string, string?> read, Func<string, IReadOnlyList<string>, IReadOnlyList<string>> list, List<string> problems)
    {
        var mode = read("mode") ?? "account";
        if (mode is not ("account" or "member"))
        {
            problems.Add($"mode must be account or member, not '{mode}'");
        }

        settings = settings with
        {
            MemberMode = mode == "member",
            AllowedAccounts = list("allowedAccounts", settings.AllowedAccounts),
            OrganizationId = read("organizationId"),
            MemberExternalId = read("memberExternalId"),
            CentralAccount = read("centralAccount"),
            AnalystPrincipalArns = list("analystPrincipalArns", settings.AnalystPrincipalArns),
        };
        if ((settings.CentralMode || settings.MemberMode) && (settings.OrganizationId is null || !OrganizationId().IsMatch(settings.OrganizationId)))
        {
            problems.Add("organizationId must be the organization's id (o-...) in central mode (allowedAccounts) and in member mode");
        }

        if (settings.MemberMode && !AccountSettings.IsAccountId(settings.CentralAccount))
        {
            problems.Add("centralAccount must be the security account's id (12 digits) in member mode");
        }

        if (settings.AnalystPrincipalArns.Count > 0 && (!settings.MemberMode || settings.AnalystPrincipalArns.Any(arn => !IsRoleOf(arn, settings.CentralAccount))))
        {
            problems.Add("analystPrincipalArns must be role ARNs of centralAccount (arn:aws:iam::ACCOUNT:role/NAME, comma-separated), with mode=member");
        }

        if (settings.MemberMode && settings.CentralMode)
        {
            problems.Add("allowedAccounts belongs to the central stack, not to mode=member");
        }

        return settings;
    }

    /// <summary>Central mode's EC2ISOLATION_* variables (checked with the rest by the function's own reader); none otherwise.</summary>
    public static IEnumerable<(string Name, string Value)> CentralEnvironment(DeploymentSettings settings, string? region)
    {
        if (!settings.CentralMode)
        {
            yield break;
        }

        // The names embed the region, so the central stack needs a concrete one (regions, or the CLI's default region).
        yield return ("EC2ISOLATION_MEMBER_ROLE_NAME", OrganizationNames.MemberRoleWithPath(
            region ?? throw new Core.InvalidRequestException("Central mode (allowedAccounts) needs a region: set regions or the CLI's default region.")));
        yield return ("EC2ISOLATION_ALLOWED_ACCOUNTS", string.Join(',', settings.AllowedAccounts));
        if (settings.MemberExternalId is { } externalId)
        {
            yield return ("EC2ISOLATION_MEMBER_EXTERNAL_ID", externalId);
        }
    }

    /// <summary>An IAM role ARN (with its path, if any) of <paramref name="account"/>.</summary>
    private static bool IsRoleOf(string arn, string? account) =>
        RoleArn().Match(arn) is { Success: true } match && match.Groups["account"].Value == account;

    [GeneratedRegex(@"^arn:aws(-[a-z]+)*:iam::(?<account>[0-9]{12}):role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex RoleArn();

    [GeneratedRegex(@"^o-[a-z0-9]{10,32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex OrganizationId();
}
