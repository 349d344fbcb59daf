using System.Text.RegularExpressions;
using static Ec2Isolation.Core.Configuration.NotificationVariables;

namespace Ec2Isolation.Core.Configuration;

/// <summary>Jira Cloud, where isolations open issues (EC2ISOLATION_JIRA_*).</summary>
/// <param name="SiteUrl">The site, e.g. https://example.atlassian.net/ (always ending with a slash).</param>
/// <param name="ProjectKey">The project issues are created in, e.g. SEC.</param>
/// <param name="IssueType">The issue type's name, by default Task.</param>
/// <param name="User">The Atlassian account's email address the API token belongs to.</param>
/// <param name="TokenParameter">The SSM SecureString parameter (name or ARN) that holds the API token.</param>
public sealed record JiraSettings(Uri SiteUrl, string ProjectKey, string IssueType, string User, string TokenParameter)
{
    public const string DefaultIssueType = "Task";
}

/// <summary>Where notices may be sent.</summary>
public static class NotificationUrls
{
    /// <summary>An absolute https URL without credentials in it; plain http only to this machine (local stand-ins).</summary>
    public static bool IsAllowed(Uri? url) =>
        url is { IsAbsoluteUri: true, UserInfo: "" }
        && (url.Scheme == Uri.UriSchemeHttps || (url.Scheme == Uri.UriSchemeHttp && url.IsLoopback));
}

/// <summary>The environment variables of the notifiers (the CDK stack sets them from its context).</summary>
public static class NotificationVariables
{
    public const string Slack = "EC2ISOLATION_SLACK_WEBHOOK_PARAMETER";
    public const string JiraUrl = "EC2ISOLATION_JIRA_URL";
    public const string JiraProject = "EC2ISOLATION_JIRA_PROJECT";
    public const string JiraIssueType = "EC2ISOLATION_JIRA_ISSUE_TYPE";
    public const string JiraUser = "EC2ISOLATION_JIRA_USER";
    public const string JiraToken = "EC2ISOLATION_JIRA_TOKEN_PARAMETER";
}

/// <summary>Reads the optional notifier settings into <see cref="IsolationSettings"/>, adding a problem for each wrong variable.</summary>
internal static partial class NotificationSettingsReader
{
    public static IsolationSettings Read(IsolationSettings settings, Func<string, string?> read, List<string> problems)
    {
        if (read(Slack) is { } slack && Parameter(Slack, slack, problems))
        {
            settings = settings with { SlackWebhookParameter = slack };
        }

        string?[] jira = [read(JiraUrl), read(JiraProject), read(JiraUser), read(JiraToken)];
        if (jira.All(value => value is null) && read(JiraIssueType) is null)
        {
            return settings;
        }

        string[] names = [JiraUrl, JiraProject, JiraUser, JiraToken];
        var missing = names.Where((_, i) => jira[i] is null).ToList();
        if (missing.Count > 0)
        {
            problems.Add($"Jira needs {string.Join(", ", names)} together; missing: {string.Join(", ", missing)}");
            return settings;
        }

        var (url, project, user, token) = (jira[0]!, jira[1]!, jira[2]!, jira[3]!);
        var valid = true;
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var site) || !NotificationUrls.IsAllowed(site)
            || site.Query.Length > 0 || site.Fragment.Length > 0)
        {
            problems.Add($"{JiraUrl} must be the site's absolute https URL, such as https://example.atlassian.net");
            valid = false;
        }

        if (!ProjectKey().IsMatch(project))
        {
            problems.Add($"{JiraProject} must be a project key (an uppercase letter, then 1 to 9 uppercase letters, digits or underscores), not '{project}'");
            valid = false;
        }

        if (!user.Contains('@', StringComparison.Ordinal))
        {
            problems.Add($"{JiraUser} must be the email address of the Atlassian account the API token belongs to");
            valid = false;
        }

        valid &= Parameter(JiraToken, token, problems);
        return valid
            ? settings with { Jira = new JiraSettings(site!, project, read(JiraIssueType) ?? JiraSettings.DefaultIssueType, user, token) }
            : settings;
    }

    /// <summary>
    /// A parameter name or ARN. A wrong value is not repeated in the error: it may be the secret itself, put where its
    /// parameter's name belongs.
    /// </summary>
    private static bool Parameter(string variable, string value, List<string> problems)
    {
        if (ParameterName().IsMatch(value))
        {
            return true;
        }

        problems.Add($"{variable} must name an SSM SecureString parameter (name or ARN) that holds the secret, not hold the secret itself (the value is not repeated here)");
        return false;
    }

    [GeneratedRegex("^[A-Z][A-Z0-9_]{1,9}$")]
    private static partial Regex ProjectKey();

    [GeneratedRegex(@"^(arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter)?/?[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$")]
    private static partial Regex ParameterName();
}
