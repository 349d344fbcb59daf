using System.Text.Json;
using Ec2Isolation.Aws.Notifications;
using Ec2Isolation.TestSupport;
using static Ec2Isolation.Aws.Tests.Notifications.NoticeSamples;

namespace Ec2Isolation.Aws.Tests.Notifications;

/// <summary>The approval request's Jira issue against a local stand-in for Jira Cloud's REST API v3.</summary>
public sealed class JiraApprovalTicketTests : IAsyncDisposable
{
    private const string Created = """{"id":"10043","key":"SEC-8","self":"https://example.atlassian.net/rest/api/3/issue/10043"}""";
    private static readonly CancellationToken None = CancellationToken.None;

    private static readonly Dictionary<string, string> Facts = new()
    {
        ["Instance"] = "i-0123456789abcdef0",
        ["Account"] = "123456789012",
        ["Load balancers"] = "web-alb",
    };

    private HttpStandIn _jira = null!;

    public async ValueTask DisposeAsync() => await _jira.DisposeAsync();

    private JiraApprovalTicket CreateSut(params StandInAnswer[] answers)
    {
        _jira = HttpStandIn.Start(HttpStandIn.InTurn(answers));
        var (settings, token, http) = Jira(_jira.BaseUrl);
        return new JiraApprovalTicket(settings, token, http);
    }

    [Fact]
    public async Task OpenAsync_Request_CreatesAnIssueWithTheFactsAndReturnsItsKey()
    {
        var ticket = CreateSut(new StandInAnswer(201, Created));

        var key = await ticket.OpenAsync("Approval requested: isolate i-0123456789abcdef0 (Backdoor:EC2/C&CActivity.B)", "Decide in Slack.", Facts, None);

        Assert.Equal("SEC-8", key);
        var request = Assert.Single(_jira.Requests);
        Assert.Equal(("POST", "/rest/api/3/issue"), (request.Method, request.Path));
        Assert.Equal("Basic " + JiraCredentials, request.Header("Authorization"));
        using var json = JsonDocument.Parse(request.Body);
        var fields = json.RootElement.GetProperty("fields");
        Assert.Equal("SEC", fields.GetProperty("project").GetProperty("key").GetString());
        Assert.Equal("Approval requested: isolate i-0123456789abcdef0 (Backdoor:EC2/C&CActivity.B)", fields.GetProperty("summary").GetString());
        var content = fields.GetProperty("description").GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(["paragraph", "paragraph", "bulletList"], content.Select(node => node.GetProperty("type").GetString()));
        Assert.Equal("Decide in Slack.", content[1].GetProperty("content")[0].GetProperty("text").GetString());
        var facts = content[2].GetProperty("content").EnumerateArray()
            .Select(item => string.Concat(item.GetProperty("content")[0].GetProperty("content").EnumerateArray().Select(text => text.GetProperty("text").GetString())))
            .ToList();
        Assert.Equal(["Instance: i-0123456789abcdef0", "Account: 123456789012", "Load balancers: web-alb"], facts);
    }

    [Fact]
    public async Task OpenAsync_LongTitle_SummaryCutToJirasLimit()
    {
        var ticket = CreateSut(new StandInAnswer(201, Created));

        await ticket.OpenAsync(new string('x', 300), "text", Facts, None);

        using var json = JsonDocument.Parse(Assert.Single(_jira.Requests).Body);
        Assert.Equal(255, json.RootElement.GetProperty("fields").GetProperty("summary").GetString()!.Length);
    }

    [Fact]
    public async Task CommentAsync_Decision_CommentedOnTheIssue()
    {
        var ticket = CreateSut(new StandInAnswer(201, """{"id":"10100"}"""));

        await ticket.CommentAsync("SEC-8", "Approval request for i-0123456789abcdef0: Denied", "Denied by slack:U1 (responder): nothing was changed.", Facts, None);

        var request = Assert.Single(_jira.Requests);
        Assert.Equal(("POST", "/rest/api/3/issue/SEC-8/comment"), (request.Method, request.Path));
        Assert.Equal("Basic " + JiraCredentials, request.Header("Authorization"));
        using var json = JsonDocument.Parse(request.Body);
        var content = json.RootElement.GetProperty("body").GetProperty("content");
        Assert.Equal("Approval request for i-0123456789abcdef0: Denied", content[0].GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("Denied by slack:U1 (responder): nothing was changed.", content[1].GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task OpenAsync_Refused_ErrorCarriesJirasReasonNotTheCredentials()
    {
        var ticket = CreateSut(new StandInAnswer(403, $$"""{"errorMessages":["no permission"],"echo":"Basic {{JiraCredentials}}"}"""));

        var error = await Assert.ThrowsAsync<NotificationException>(() => ticket.OpenAsync("title", "text", Facts, None));

        Assert.Single(_jira.Requests);
        Assert.StartsWith("jira answered 403 Forbidden", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(JiraCredentials, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(JiraToken, error.Message, StringComparison.Ordinal);
    }
}
