using System.Text.Json.Nodes;
using Ec2Isolation.Aws.Notifications;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;
using static Ec2Isolation.Aws.Tests.Notifications.NoticeSamples;

namespace Ec2Isolation.Aws.Tests.Notifications;

/// <summary>The approval messages on the local Slack stand-in the notifier tests use.</summary>
public sealed class SlackApprovalChannelTests : IAsyncDisposable
{
    private const string WebhookPath = "/services/T0AAAAAAA/B0BBBBBBB/xoxSecretPartOfTheWebhook";
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly HttpStandIn _slack = HttpStandIn.Start(exchange => exchange.Path.StartsWith("/actions/broken", StringComparison.Ordinal)
        ? new StandInAnswer(404, "no such response url " + exchange.Path)
        : new StandInAnswer(200, "ok"));

    public async ValueTask DisposeAsync() => await _slack.DisposeAsync();

    private SlackApprovalChannel CreateSut() =>
        new(Secret("/ec2-isolation/slack-webhook", new Uri(_slack.BaseUrl, WebhookPath).ToString()).Secret, new NotificationHttp(new HttpClient(), TimeProvider.System));

    private static ApprovalRequest Request() => new()
    {
        RequestId = "0123456789abcdef0123456789abcdef",
        AccountId = "123456789012",
        Region = "eu-west-1",
        InstanceId = InstanceId,
        Trigger = Triggers.GuardDuty,
        Reason = "GuardDuty Backdoor:EC2/C&CActivity.B severity 5.5 finding f1",
        FindingTitle = "Backdoor:EC2/C&CActivity.B",
        Severity = 5.5,
        SourceEventId = "event-1",
        RequestedAt = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero),
        ExpiresAt = new DateTimeOffset(2026, 11, 25, 10, 30, 0, TimeSpan.Zero),
        OnExpiry = ExpiryAction.Contain,
        Evidence = new() { ["Name"] = "web-1", ["Auto Scaling group"] = "web-asg" },
        Version = 1,
    };

    [Fact]
    public async Task PostRequestAsync_Request_ApproveAndDenyButtonsCarryTheRequestAndTheEvidenceIsShown()
    {
        await CreateSut().PostRequestAsync(Request(), None);

        var posted = Assert.Single(_slack.Requests);
        Assert.Equal(WebhookPath, posted.Path);
        var message = JsonNode.Parse(posted.Body)!;
        var blocks = message["blocks"]!.AsArray();
        Assert.Equal(["header", "section", "section", "actions"], blocks.Select(b => (string?)b!["type"]));
        var buttons = blocks[3]!["elements"]!.AsArray();
        Assert.Equal(
            [("approve", Request().ButtonValue), ("deny", Request().ButtonValue)],
            buttons.Select(b => ((string?)b!["action_id"], (string?)b["value"])));
        var facts = (string)blocks[2]!["text"]!["text"]!;
        Assert.Contains("*Name:* web-1", facts, StringComparison.Ordinal);
        Assert.Contains("*Auto Scaling group:* web-asg", facts, StringComparison.Ordinal);
        Assert.Contains("*Severity:* 5.5", facts, StringComparison.Ordinal);
        Assert.Contains("*Finding:* Backdoor:EC2/C&amp;CActivity.B", facts, StringComparison.Ordinal);
        Assert.Contains("isolated anyway", (string)blocks[1]!["text"]!["text"]!, StringComparison.Ordinal);
        Assert.Null(message["replace_original"]);
    }

    [Fact]
    public async Task PostRequestAsync_RequestWithATicket_MessageNamesTheTicket()
    {
        var request = Request();
        request.TicketKey = "SEC-7";

        await CreateSut().PostRequestAsync(request, None);

        Assert.Contains("*Ticket:* SEC-7", Assert.Single(_slack.Requests).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateRequestAsync_Decided_ReplacesTheOriginalThroughTheResponseUrlWithoutButtons()
    {
        var request = Request();
        request.Status = ApprovalStatus.Denied;
        request.DecidedBy = "slack:U0APPROVER1 (responder)";
        request.Outcome = "Denied: nothing was changed.";

        await CreateSut().UpdateRequestAsync(request, new Uri(_slack.BaseUrl, "/actions/T0TEAM/1/abc"), None);

        var posted = Assert.Single(_slack.Requests);
        Assert.Equal("/actions/T0TEAM/1/abc", posted.Path);
        var message = JsonNode.Parse(posted.Body)!;
        Assert.True((bool)message["replace_original"]!);
        Assert.DoesNotContain(message["blocks"]!.AsArray(), b => (string?)b!["type"] == "actions");
        Assert.Contains("Denied by slack:U0APPROVER1", (string)message["text"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateRequestAsync_SlackRefuses_ErrorNamesNeitherTheResponseUrl()
    {
        var request = Request();
        request.Status = ApprovalStatus.Approved;
        request.DecidedBy = "slack:U0APPROVER1 (responder)";

        var e = await Assert.ThrowsAsync<NotificationException>(() =>
            CreateSut().UpdateRequestAsync(request, new Uri(_slack.BaseUrl, "/actions/broken/secret-part-0123"), None));

        Assert.DoesNotContain("secret-part-0123", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoticeText_RecordIsolatedOnApproval_ShowsTheDecisionToSlackAndJira()
    {
        var notice = Notice(NoticeKind.Completed);
        notice.Record.Approvals.Add(new ApprovalDecision("0123456789abcdef", ApprovalStatus.Approved, "slack:U0APPROVER1 (responder)", SampleRecords.Started));

        var facts = NoticeText.For(notice).Facts;

        Assert.Contains(new NoticeFact("Approval", "Approved by slack:U0APPROVER1 (responder) at 2026-11-25 10:00 UTC (request 0123456789abcdef)"), facts);
    }

    [Fact]
    public void NoticeText_ApprovalShowedLoadBalancers_TicketSaysWhichTheApproverSaw()
    {
        var notice = Notice(NoticeKind.Completed);
        notice.Record.Approvals.Add(new ApprovalDecision("0123456789abcdef", ApprovalStatus.Approved, "slack:U0APPROVER1 (responder)", SampleRecords.Started, "web-alb"));

        var approval = Assert.Single(NoticeText.For(notice).Facts, fact => fact.Label == "Approval");

        Assert.EndsWith("(request 0123456789abcdef); load balancers shown: web-alb", approval.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostRequestAsync_EvidenceWithLoadBalancers_ShownInTheMessage()
    {
        var request = Request();
        request.Evidence["Load balancers"] = "web-alb";
        request.Evidence["Target groups"] = "web-http, web-health";

        await CreateSut().PostRequestAsync(request, None);

        var facts = (string)JsonNode.Parse(Assert.Single(_slack.Requests).Body)!["blocks"]![2]!["text"]!["text"]!;
        Assert.Contains("*Load balancers:* web-alb", facts, StringComparison.Ordinal);
        Assert.Contains("*Target groups:* web-http, web-health", facts, StringComparison.Ordinal);
    }
}
