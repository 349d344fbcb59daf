using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Notifications;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.Core.Tests.Notifications;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Core.Tests.Approvals;

/// <summary>
/// The ticket beside Slack (Jira): a request opens one and keeps its key, each decision is commented on it, an isolation
/// on approval starts its record with it, a tier that notifies opens one; a ticket that fails holds nothing back.
/// </summary>
public sealed class ApprovalTicketTests
{
    private const string Approve = SlackInteractionEndpoint.ApproveAction;
    private const string Deny = SlackInteractionEndpoint.DenyAction;

    private readonly FakeApprovalTicket _ticket = new();

    /// <summary>The engine's Jira notifier: comments on the record's ticket, opens SEC-99 when the record names none.</summary>
    private readonly ScriptedNotifier _jira = new("jira", (notice, _) => Task.FromResult(new NotificationReceipt(notice.Record.TicketKey ?? "SEC-99")));

    private readonly ApprovalFixture _fixture;

    public ApprovalTicketTests() => _fixture = new ApprovalFixture(ticket: _ticket, notifier: _jira);

    [Fact]
    public async Task HandleAsync_FindingInAnAskingBand_TicketOpenedWithTheRequestAndItsKeyKept()
    {
        var result = await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));

        Assert.Equal(Outcomes.ApprovalRequested, result.Action);
        Assert.Single(_fixture.Channel.Requests);
        var opened = Assert.Single(_ticket.Opened);
        Assert.StartsWith($"Approval requested: isolate {ApprovalFixture.InstanceId} (", opened.Title, StringComparison.Ordinal);
        Assert.Contains($"ec2-isolation approve|deny {ApprovalFixture.InstanceId} --account {FakeCloud.AccountId}", opened.Text, StringComparison.Ordinal);
        Assert.Equal((Triggers.GuardDuty, "5.5", "web-1", _fixture.Stored.RequestId),
            (opened.Facts["Trigger"], opened.Facts["Severity"], opened.Facts["Name"], opened.Facts["Request"]));
        Assert.True(opened.Facts.ContainsKey("Load balancers"));
        Assert.StartsWith(ApprovalService.Time(_fixture.Stored.ExpiresAt), opened.Facts["Expires"], StringComparison.Ordinal);
        Assert.Equal("SEC-1", _fixture.Stored.TicketKey);
        Assert.Empty(_ticket.Comments);
    }

    [Fact]
    public async Task HandleAsync_SameFindingDeliveredTwice_OneTicket()
    {
        await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));

        await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));

        Assert.Single(_ticket.Opened);
    }

    [Fact]
    public async Task ClickAsync_Denied_DecisionCommentedOnTheRequestTicket()
    {
        await _fixture.AskAsync();

        await _fixture.ClickAsync(Deny);

        Assert.StartsWith("Denied by slack:", SingleComment(ApprovalStatus.Denied), StringComparison.Ordinal);
        Assert.Empty(_fixture.Cloud.Mutations);
    }

    [Fact]
    public async Task ClickAsync_Approved_IsolationRecordStartsWithTheRequestTicketAndEveryNoticeNamesIt()
    {
        await _fixture.AskAsync();

        await _fixture.ClickAsync(Approve);

        var record = _fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId)!;
        Assert.Equal((IsolationStatus.Isolated, "SEC-1"), (record.Status, record.TicketKey));
        Assert.NotEmpty(_jira.Notices);
        Assert.All(_jira.Notices, notice => Assert.Equal("SEC-1", notice.Record.TicketKey));
        Assert.Equal("SEC-1", _fixture.Cloud.Instances[ApprovalFixture.InstanceId].Tags[_fixture.Settings.StatusTagPrefix + "ticket"]);
        Assert.Single(_ticket.Opened);
        Assert.StartsWith("Approved by slack:", SingleComment(ApprovalStatus.Approved), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_JiraDown_RequestPostedWithoutTicketAndApprovalStillIsolates()
    {
        _ticket.Failure = new InvalidOperationException("jira answered 503");

        var result = await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));
        await _fixture.ClickAsync(Approve);

        Assert.Equal(Outcomes.ApprovalRequested, result.Action);
        Assert.Single(_fixture.Channel.Requests);
        Assert.NotNull(_fixture.Stored.PostedAt);
        Assert.Null(_fixture.Stored.TicketKey);
        Assert.Equal(ApprovalStatus.Approved, _fixture.Stored.Status);
        // Without the request's ticket, the isolation's notifier opens one, as before approvals had tickets.
        Assert.Equal((IsolationStatus.Isolated, "SEC-99"), (_fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId)!.Status, _fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId)!.TicketKey));
    }

    [Fact]
    public async Task HandleAsync_JiraNotAnswering_RequestPostedOnceTheTicketTimedOut()
    {
        _ticket.Hangs = true;

        var handling = _fixture.HandleAsync(ApprovalFixture.Finding(5.5));
        await _ticket.Hanging.WaitOrFailAsync();
        Assert.Empty(_fixture.Channel.Requests);
        _fixture.Time.Advance(ApprovalService.TicketTimeout);
        var result = await handling.WaitOrFailAsync();

        Assert.Equal(Outcomes.ApprovalRequested, result.Action);
        Assert.Single(_fixture.Channel.Requests);
        Assert.Null(_fixture.Stored.TicketKey);
        Assert.NotNull(_fixture.Stored.PostedAt);
    }

    [Fact]
    public async Task HandleAsync_SlackDownAfterTheTicketOpened_RetryPostsWithoutASecondTicket()
    {
        _fixture.Channel.Failure = new InvalidOperationException("slack answered 500");
        await Assert.ThrowsAsync<InvalidOperationException>(() => _fixture.HandleAsync(ApprovalFixture.Finding(5.5)));
        _fixture.Channel.Failure = null;

        await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));

        Assert.Single(_ticket.Opened);
        Assert.Equal("SEC-1", Assert.Single(_fixture.Channel.Requests).TicketKey);
        Assert.NotNull(_fixture.Stored.PostedAt);
    }

    [Fact]
    public async Task ClickAsync_JiraDownAtTheDecision_DecisionStandsAndIsolates()
    {
        await _fixture.AskAsync();
        _ticket.Failure = new InvalidOperationException("jira answered 503");

        var answer = await _fixture.ClickAsync(Approve);

        Assert.Equal(200, answer.StatusCode);
        Assert.Empty(_ticket.Comments);
        Assert.StartsWith("Approved by slack:", _fixture.Stored.Outcome, StringComparison.Ordinal);
        Assert.Equal(IsolationStatus.Isolated, _fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId)!.Status);
    }

    [Fact]
    public async Task HandleAsync_SweepAfterADroppingTimeOut_ExpiryCommentedOnTheTicket()
    {
        await _fixture.HandleAsync(ApprovalFixture.Finding(3.5));
        _fixture.Time.Advance(TimeSpan.FromMinutes(10));

        await _fixture.HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep));

        Assert.Contains("dropped", SingleComment(ApprovalStatus.Expired), StringComparison.Ordinal);
        Assert.Empty(_fixture.Cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_FindingInANotifyingBand_TicketOpenedWithTheNotice()
    {
        var result = await _fixture.HandleAsync(ApprovalFixture.Finding(2));

        Assert.Equal(Outcomes.Notified, result.Action);
        var opened = Assert.Single(_ticket.Opened);
        var notice = Assert.Single(_fixture.Channel.Notices);
        Assert.Equal((notice.Title, notice.Text), (opened.Title, opened.Text));
        Assert.Equal((Triggers.GuardDuty, "2.0"), (opened.Facts["Trigger"], opened.Facts["Severity"]));
        Assert.Contains("ticket SEC-1", result.Message, StringComparison.Ordinal);
        Assert.Empty(_fixture.Cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_HandedOffApproval_DecisionCommentedOnceOnTheRequestTicket()
    {
        var handOff = new FakeApprovalHandOff();
        var fixture = new ApprovalFixture(handOff: handOff, ticket: _ticket);
        await fixture.AskAsync();
        await fixture.ClickAsync(Approve);
        Assert.Empty(_ticket.Comments);

        await fixture.HandleAsync(Assert.Single(handOff.HandedOff).ToEventJson());
        await fixture.HandleAsync(Assert.Single(handOff.HandedOff).ToEventJson());

        Assert.StartsWith("Approved by slack:", SingleComment(ApprovalStatus.Approved), StringComparison.Ordinal);
        Assert.Equal("SEC-1", fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId)!.TicketKey);
    }

    /// <summary>The one comment on the request's ticket, SEC-1, titled with <paramref name="status"/>; its text.</summary>
    private string SingleComment(ApprovalStatus status)
    {
        var comment = Assert.Single(_ticket.Comments);
        Assert.Equal(("SEC-1", $"Approval request for {ApprovalFixture.InstanceId}: {status}"), (comment.Key, comment.Title));
        return comment.Text;
    }
}
