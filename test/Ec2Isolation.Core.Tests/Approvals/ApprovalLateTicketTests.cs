using System.Text.Json.Nodes;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Core.Tests.Approvals;

/// <summary>
/// A pending request whose ticket failed to open gets it later, once: from the next event for it or from the sweep (a
/// few per pass); a decision made meanwhile wins, and a ticket that lost says so.
/// </summary>
public sealed class ApprovalLateTicketTests
{
    private readonly FakeApprovalTicket _ticket = new();
    private readonly ApprovalFixture _fixture;

    public ApprovalLateTicketTests() => _fixture = new ApprovalFixture(ticket: _ticket);

    [Fact]
    public async Task HandleAsync_RepeatedEventForAPendingRequestWithoutTicket_TicketOpenedOnceAndKept()
    {
        await AskedWhileJiraWasDownAsync();

        await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));
        var again = await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));

        Assert.Equal(Outcomes.ApprovalRequested, again.Action);
        var opened = Assert.Single(_ticket.Opened);
        Assert.Equal(_fixture.Stored.RequestId, opened.Facts["Request"]);
        Assert.Equal(("SEC-1", ApprovalStatus.Pending), (_fixture.Stored.TicketKey, _fixture.Stored.Status));
        Assert.Single(_fixture.Channel.Requests);
        Assert.Empty(_fixture.Cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_SweepWithAPendingRequestWithoutTicket_TicketOpenedAndTheDecisionCommentedOnIt()
    {
        await AskedWhileJiraWasDownAsync();

        await Sweep();
        await Sweep();
        await _fixture.ClickAsync(SlackInteractionEndpoint.DenyAction);

        Assert.Single(_ticket.Opened);
        Assert.Equal("SEC-1", _fixture.Stored.TicketKey);
        var comment = Assert.Single(_ticket.Comments);
        Assert.Equal(("SEC-1", $"Approval request for {ApprovalFixture.InstanceId}: {ApprovalStatus.Denied}"), (comment.Key, comment.Title));
    }

    [Fact]
    public async Task HandleAsync_SweepWhileJiraIsStillDown_NothingElseChanges()
    {
        await AskedWhileJiraWasDownAsync();
        _ticket.Failure = new InvalidOperationException("jira answered 503");
        var before = (_fixture.Stored.Version, _fixture.Stored.PostedAt, _fixture.Store.Writes);

        var sweep = await Sweep();
        await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));

        Assert.Equal(EventResult.Swept, sweep.Action);
        Assert.Empty(_ticket.Opened);
        Assert.Equal(before, (_fixture.Stored.Version, _fixture.Stored.PostedAt, _fixture.Store.Writes));
        Assert.Equal((ApprovalStatus.Pending, null), (_fixture.Stored.Status, _fixture.Stored.TicketKey));
        Assert.Single(_fixture.Channel.Requests);
        Assert.Empty(_fixture.Channel.Notices);
        Assert.Empty(_fixture.Cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_SweepAfterTheRequestWasDecided_NoTicketOpened()
    {
        await AskedWhileJiraWasDownAsync();
        await _fixture.ClickAsync(SlackInteractionEndpoint.DenyAction);

        await Sweep();

        Assert.Empty(_ticket.Opened);
        Assert.Null(_fixture.Stored.TicketKey);
    }

    [Fact]
    public async Task HandleAsync_SweepWithManyRequestsWithoutTicket_AFewPerPassOldestFirst()
    {
        _ticket.Failure = new InvalidOperationException("jira answered 503");
        var instances = Enumerable.Range(1, ApprovalService.LateTicketsPerSweep + 2).Select(i => $"i-0000000000000000{i}").ToList();
        foreach (var instanceId in instances)
        {
            _fixture.Cloud.AddInstance(instanceId, "vpc-1");
            await _fixture.HandleAsync(Finding(instanceId));
            _fixture.Time.Advance(TimeSpan.FromSeconds(1));
        }

        _ticket.Failure = null;

        await Sweep();
        var firstPass = _ticket.Opened.Count;
        await Sweep();

        Assert.Equal(ApprovalService.LateTicketsPerSweep, firstPass);
        Assert.Equal(instances.Count, _ticket.Opened.Count);
        Assert.Equal(instances, _ticket.Opened.Select(t => t.Facts["Instance"]));
        Assert.All(instances, id => Assert.NotNull(_fixture.Store.Stored(id)!.TicketKey));
    }

    [Fact]
    public async Task HandleAsync_DecidedWhileTheLateTicketOpened_DecisionStandsAndTheTicketSaysItIsNotUsed()
    {
        await AskedWhileJiraWasDownAsync();
        HttpAnswer? answer = null;
        _ticket.WhileNextOpening = async () => answer = await _fixture.ClickAsync(SlackInteractionEndpoint.DenyAction);

        await Sweep();

        Assert.Equal(200, answer!.StatusCode);
        Assert.Equal((ApprovalStatus.Denied, null), (_fixture.Stored.Status, _fixture.Stored.TicketKey));
        var comment = Assert.Single(_ticket.Comments);
        Assert.Equal(("SEC-1", $"Not the ticket of approval request {_fixture.Stored.RequestId}"), (comment.Key, comment.Title));
        Assert.Contains("was Denied by slack:", comment.Text, StringComparison.Ordinal);

        await Sweep();

        Assert.Single(_ticket.Opened);
    }

    [Fact]
    public async Task HandleAsync_RepeatedEventOpensTheLateTicketWhileTheSweepDoes_OneKeptTheOtherSaysItIsNotUsed()
    {
        await AskedWhileJiraWasDownAsync();
        _ticket.WhileNextOpening = () => _fixture.HandleAsync(ApprovalFixture.Finding(5.5));

        await Sweep();
        await Sweep();

        Assert.Equal(2, _ticket.Opened.Count);
        Assert.Equal("SEC-2", _fixture.Stored.TicketKey);
        var comment = Assert.Single(_ticket.Comments);
        Assert.Equal("SEC-1", comment.Key);
        Assert.Contains("SEC-2 was opened for approval request", comment.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClickAsync_LateTicketKeptBetweenTheClickReadAndItsWrite_DecisionWinsOnTopOfTheKey()
    {
        await AskedWhileJiraWasDownAsync();
        _fixture.Store.BeforeNextPut = () => _fixture.HandleAsync(ApprovalFixture.Finding(5.5));

        var answer = await _fixture.ClickAsync(SlackInteractionEndpoint.ApproveAction);

        Assert.Equal(200, answer.StatusCode);
        Assert.DoesNotContain("nothing changed", answer.Body, StringComparison.Ordinal);
        Assert.Equal((ApprovalStatus.Approved, "SEC-1"), (_fixture.Stored.Status, _fixture.Stored.TicketKey));
        Assert.StartsWith("Approved by slack:", _fixture.Stored.Outcome, StringComparison.Ordinal);
        Assert.Equal("SEC-1", Assert.Single(_ticket.Comments).Key);
    }

    /// <summary>A request asked and posted while Jira was down (no ticket), with Jira answering again afterwards.</summary>
    private async Task AskedWhileJiraWasDownAsync()
    {
        _ticket.Failure = new InvalidOperationException("jira answered 503");
        await _fixture.AskAsync();
        Assert.Null(_fixture.Stored.TicketKey);
        Assert.NotNull(_fixture.Stored.PostedAt);
        _ticket.Failure = null;
    }

    private Task<EventResult> Sweep() => _fixture.HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep));

    /// <summary>The sample GuardDuty finding for <paramref name="instanceId"/>, in the band that asks.</summary>
    private static string Finding(string instanceId)
    {
        var node = JsonNode.Parse(SampleEvents.Load(SampleEvents.GuardDutyFinding, instanceId, "finding-" + instanceId))!;
        node["detail"]!["severity"] = 5.5;
        return node.ToJsonString();
    }
}
