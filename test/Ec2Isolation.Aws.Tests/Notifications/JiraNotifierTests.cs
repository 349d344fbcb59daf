using System.Text.Json;
using Ec2Isolation.Aws.Notifications;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;
using static Ec2Isolation.Aws.Tests.Notifications.NoticeSamples;

namespace Ec2Isolation.Aws.Tests.Notifications;

/// <summary>The Jira notifier against a local stand-in for Jira Cloud's REST API v3.</summary>
public sealed class JiraNotifierTests : IAsyncDisposable
{
    private const string Created = """{"id":"10042","key":"SEC-7","self":"https://example.atlassian.net/rest/api/3/issue/10042"}""";
    private static readonly CancellationToken None = CancellationToken.None;

    private HttpStandIn _jira = null!;

    public async ValueTask DisposeAsync() => await _jira.DisposeAsync();

    private JiraNotifier CreateSut(string sitePath, params StandInAnswer[] answers)
    {
        _jira = HttpStandIn.Start(HttpStandIn.InTurn(answers));
        var (settings, token, http) = Jira(new Uri(_jira.BaseUrl, sitePath));
        return new JiraNotifier(settings, token, http);
    }

    private JiraNotifier CreateSut(params StandInAnswer[] answers) => CreateSut("/", answers);

    [Fact]
    public async Task NotifyAsync_NoTicketYet_CreatesAnIssueWithBasicAuthAndReturnsItsKey()
    {
        var notifier = CreateSut(new StandInAnswer(201, Created));

        var receipt = await notifier.NotifyAsync(Notice(NoticeKind.Started), None);

        Assert.Equal("SEC-7", receipt.ExternalId);
        var request = Assert.Single(_jira.Requests);
        Assert.Equal(("POST", "/rest/api/3/issue"), (request.Method, request.Path));
        Assert.Equal("Basic " + JiraCredentials, request.Header("Authorization"));
        Assert.Equal("application/json", request.Header("Accept"));
        Assert.StartsWith("application/json", request.Header("Content-Type"), StringComparison.Ordinal);
        using var json = JsonDocument.Parse(request.Body);
        var fields = json.RootElement.GetProperty("fields");
        Assert.Equal("SEC", fields.GetProperty("project").GetProperty("key").GetString());
        Assert.Equal("Task", fields.GetProperty("issuetype").GetProperty("name").GetString());
        Assert.Equal("EC2 instance i-0123456789abcdef0 contained (incident INC-1)", fields.GetProperty("summary").GetString());
        var description = fields.GetProperty("description");
        Assert.Equal(("doc", 1), (description.GetProperty("type").GetString(), description.GetProperty("version").GetInt32()));
        var content = description.GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(["paragraph", "paragraph", "bulletList", "paragraph", "codeBlock"], content.Select(node => node.GetProperty("type").GetString()));
        var facts = content[2].GetProperty("content").EnumerateArray()
            .Select(item => string.Concat(item.GetProperty("content")[0].GetProperty("content").EnumerateArray().Select(text => text.GetProperty("text").GetString())))
            .ToList();
        Assert.Contains("Account: 123456789012", facts);
        Assert.Contains("Region: eu-west-1", facts);
        Assert.Contains("GuardDuty findings: 8ab7e0c1f2d3", facts);
        Assert.Contains("Snapshots: snap-1, snap-2", facts);
        Assert.Equal("strong", content[2].GetProperty("content")[0].GetProperty("content")[0].GetProperty("content")[0].GetProperty("marks")[0].GetProperty("type").GetString());
        Assert.Equal("ec2-isolation release i-0123456789abcdef0 --account 123456789012 --region eu-west-1", content[4].GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData(NoticeKind.Completed, "EC2 instance i-0123456789abcdef0 isolated")]
    [InlineData(NoticeKind.Failed, "Isolation of EC2 instance i-0123456789abcdef0 failed")]
    [InlineData(NoticeKind.Released, "EC2 instance i-0123456789abcdef0 released")]
    public async Task NotifyAsync_TicketKnown_CommentsOnIt(NoticeKind kind, string title)
    {
        var notifier = CreateSut(new StandInAnswer(201, """{"id":"10100"}"""));

        var receipt = await notifier.NotifyAsync(Notice(kind, ticketKey: "SEC-7", error: kind == NoticeKind.Failed ? "step failed" : null), None);

        Assert.Equal("SEC-7", receipt.ExternalId);
        var request = Assert.Single(_jira.Requests);
        Assert.Equal(("POST", "/rest/api/3/issue/SEC-7/comment"), (request.Method, request.Path));
        Assert.Equal("Basic " + JiraCredentials, request.Header("Authorization"));
        using var json = JsonDocument.Parse(request.Body);
        var body = json.RootElement.GetProperty("body");
        Assert.Equal("doc", body.GetProperty("type").GetString());
        Assert.Equal(title, body.GetProperty("content")[0].GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task NotifyAsync_SiteUnderAPath_ApiUnderThatPath()
    {
        var notifier = CreateSut("/jira/", new StandInAnswer(201, Created));

        await notifier.NotifyAsync(Notice(NoticeKind.Started), None);

        Assert.Equal("/jira/rest/api/3/issue", Assert.Single(_jira.Requests).Path);
    }

    [Fact]
    public async Task NotifyAsync_ServiceUnavailableThenCreated_Retried()
    {
        var notifier = CreateSut(new StandInAnswer(503, "maintenance"), new StandInAnswer(502), new StandInAnswer(201, Created));

        var receipt = await notifier.NotifyAsync(Notice(NoticeKind.Started), None);

        Assert.Equal("SEC-7", receipt.ExternalId);
        Assert.Equal(3, _jira.Requests.Count);
        Assert.All(_jira.Requests, request => Assert.Equal("/rest/api/3/issue", request.Path));
    }

    [Fact]
    public async Task NotifyAsync_TooManyRequests_RetriesOnceRetryAfterHasPassed()
    {
        var notifier = CreateSut(new StandInAnswer(429, "", ("Retry-After", "1")), new StandInAnswer(201, Created));

        await notifier.NotifyAsync(Notice(NoticeKind.Started), None);

        var requests = _jira.Requests;
        Assert.Equal(2, requests.Count);
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromMilliseconds(900), $"retried after {requests[1].At - requests[0].At}");
    }

    [Fact]
    public async Task NotifyAsync_Refused_NotRetriedAndErrorCarriesJirasReasonNotTheCredentials()
    {
        // A server that echoes the credentials it was sent: the error must not carry them on.
        _jira = HttpStandIn.Start(exchange => new StandInAnswer(
            400, $$"""{"errorMessages":[],"errors":{"project":"valid project is required"},"echo":"{{exchange.Header("Authorization")}}"}"""));
        var (settings, token, http) = Jira(_jira.BaseUrl);
        var notifier = new JiraNotifier(settings, token, http);

        var error = await Assert.ThrowsAsync<NotificationException>(() => notifier.NotifyAsync(Notice(NoticeKind.Started), None));

        Assert.Single(_jira.Requests);
        Assert.StartsWith("jira answered 400 Bad Request", error.Message, StringComparison.Ordinal);
        Assert.Contains("valid project is required", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(JiraCredentials, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(JiraToken, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotifyAsync_CreatedWithoutAKey_Error()
    {
        var notifier = CreateSut(new StandInAnswer(201, "<html>proxy</html>"));

        var error = await Assert.ThrowsAsync<NotificationException>(() => notifier.NotifyAsync(Notice(NoticeKind.Started), None));

        Assert.Contains("did not answer with its key", error.Message, StringComparison.Ordinal);
    }
}
