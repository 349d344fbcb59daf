using Ec2Isolation.Core.Configuration;

namespace Ec2Isolation.Core.Tests.Configuration;

public sealed class NotificationSettingsTests
{
    private static readonly (string, string)[] Jira =
    [
        ("EC2ISOLATION_JIRA_URL", "https://example.atlassian.net"),
        ("EC2ISOLATION_JIRA_PROJECT", "SEC"),
        ("EC2ISOLATION_JIRA_USER", "soc@example.com"),
        ("EC2ISOLATION_JIRA_TOKEN_PARAMETER", "/ec2-isolation/jira-token"),
    ];

    private static IsolationSettings Read(params (string Name, string Value)[] variables)
    {
        var environment = variables.Append(("EC2ISOLATION_TABLE", "records")).ToDictionary(v => v.Item1, v => v.Item2);
        return IsolationSettings.FromEnvironment(name => environment.GetValueOrDefault(name));
    }

    private static string Problem(params (string Name, string Value)[] variables) =>
        Assert.Throws<InvalidRequestException>(() => Read(variables)).Message;

    [Fact]
    public void FromEnvironment_NoNotifierVariable_NoNotifier()
    {
        var settings = Read();

        Assert.Null(settings.SlackWebhookParameter);
        Assert.Null(settings.Jira);
    }

    [Fact]
    public void FromEnvironment_SlackAndJira_BothRead()
    {
        var settings = Read([("EC2ISOLATION_SLACK_WEBHOOK_PARAMETER", "/ec2-isolation/slack-webhook"), .. Jira]);

        Assert.Equal("/ec2-isolation/slack-webhook", settings.SlackWebhookParameter);
        Assert.Equal(
            new JiraSettings(new Uri("https://example.atlassian.net/"), "SEC", "Task", "soc@example.com", "/ec2-isolation/jira-token"),
            settings.Jira);
    }

    [Fact]
    public void FromEnvironment_ParameterArnAndIssueType_Read()
    {
        const string arn = "arn:aws:ssm:us-east-1:123456789012:parameter/ec2-isolation/jira-token";
        var settings = Read([.. Jira[..3], ("EC2ISOLATION_JIRA_TOKEN_PARAMETER", arn), ("EC2ISOLATION_JIRA_ISSUE_TYPE", "Security Incident")]);

        Assert.Equal((arn, "Security Incident"), (settings.Jira!.TokenParameter, settings.Jira.IssueType));
    }

    [Fact]
    public void FromEnvironment_JiraPartlySet_ErrorNamesWhatIsMissing()
    {
        var message = Problem(Jira[0], Jira[1]);

        Assert.Contains("missing: EC2ISOLATION_JIRA_USER, EC2ISOLATION_JIRA_TOKEN_PARAMETER", message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_OnlyTheIssueType_ErrorNamesTheFourOthers()
    {
        var message = Problem(("EC2ISOLATION_JIRA_ISSUE_TYPE", "Bug"));

        Assert.Contains(
            "missing: EC2ISOLATION_JIRA_URL, EC2ISOLATION_JIRA_PROJECT, EC2ISOLATION_JIRA_USER, EC2ISOLATION_JIRA_TOKEN_PARAMETER", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://example.atlassian.net")]
    [InlineData("example.atlassian.net")]
    [InlineData("https://admin:secret@example.atlassian.net")]
    [InlineData("https://example.atlassian.net/?x=1")]
    public void FromEnvironment_JiraUrlNotHttps_Error(string url)
    {
        var message = Problem([("EC2ISOLATION_JIRA_URL", url), .. Jira[1..]]);

        Assert.Contains("EC2ISOLATION_JIRA_URL must be the site's absolute https URL", message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_JiraUrlOnLoopbackOverHttp_Accepted() =>
        Assert.Equal(new Uri("http://127.0.0.1:8080/jira/"), Read([("EC2ISOLATION_JIRA_URL", "http://127.0.0.1:8080/jira"), .. Jira[1..]]).Jira!.SiteUrl);

    [Theory]
    [InlineData("sec")]
    [InlineData("S")]
    [InlineData("1SEC")]
    [InlineData("SECURITYOPS1")]
    public void FromEnvironment_BadProjectKey_ErrorNamesTheVariable(string key)
    {
        var message = Problem([Jira[0], ("EC2ISOLATION_JIRA_PROJECT", key), .. Jira[2..]]);

        Assert.Contains("EC2ISOLATION_JIRA_PROJECT must be a project key", message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_JiraUserNotAnEmail_Error() =>
        Assert.Contains("EC2ISOLATION_JIRA_USER", Problem([.. Jira[..2], ("EC2ISOLATION_JIRA_USER", "soc"), Jira[3]]), StringComparison.Ordinal);

    [Fact]
    public void FromEnvironment_WebhookUrlInsteadOfItsParameter_ErrorWithoutTheUrl()
    {
        const string webhook = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX";

        var message = Problem(("EC2ISOLATION_SLACK_WEBHOOK_PARAMETER", webhook));

        Assert.Contains("EC2ISOLATION_SLACK_WEBHOOK_PARAMETER must name an SSM SecureString parameter", message, StringComparison.Ordinal);
        Assert.DoesNotContain("XXXXXXXX", message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotificationUrls_IsAllowed_HttpsOrLoopbackOnly()
    {
        Assert.True(NotificationUrls.IsAllowed(new Uri("https://hooks.slack.com/services/T/B/X")));
        Assert.True(NotificationUrls.IsAllowed(new Uri("http://127.0.0.1:5000/hook")));
        Assert.False(NotificationUrls.IsAllowed(new Uri("http://hooks.slack.com/services/T/B/X")));
        Assert.False(NotificationUrls.IsAllowed(new Uri("ftp://127.0.0.1/")));
    }
}
