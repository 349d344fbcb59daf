using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Core.Tests.Approvals;

/// <summary>
/// A handed-off isolation that fails: the Slack message and the request's ticket say so at once (who approved, the error,
/// what the record says holds, that the retry or the sweep finishes it), and the invocation still fails, the decision
/// left unacted for Lambda's retry and the sweep.
/// </summary>
public sealed class ApprovalFailedIsolationTests
{
    private readonly FakeApprovalHandOff _handOff = new();
    private readonly FakeApprovalTicket _ticket = new();
    private readonly ApprovalFixture _fixture;

    public ApprovalFailedIsolationTests() => _fixture = new ApprovalFixture(handOff: _handOff, ticket: _ticket);

    [Fact]
    public async Task HandleAsync_HandedOffIsolationIncomplete_MessageSaysWhatHoldsInvocationFailsAndTheSweepFinishes()
    {
        var handOff = await ApprovedAsync();
        FailOn("CreateSnapshots");

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => _fixture.HandleAsync(handOff));

        Assert.Contains("injected failure", error.Message, StringComparison.Ordinal);
        Assert.Equal((ApprovalStatus.Approved, null), (_fixture.Stored.Status, _fixture.Stored.Outcome));
        var update = Assert.Single(_fixture.Channel.Updates);
        Assert.Equal(new Uri(ApprovalFixture.ResponseUrl), update.ResponseUrl);
        Assert.Equal(ApprovalStatus.Approved, update.Request.Status);
        Assert.StartsWith($"Approved by slack:{SlackInteractions.Approver}", update.Request.Outcome, StringComparison.Ordinal);
        Assert.Contains("the isolation did not complete", update.Request.Outcome, StringComparison.Ordinal);
        Assert.Contains("injected failure", update.Request.Outcome, StringComparison.Ordinal);
        Assert.Contains("network contained; steps completed: ", update.Request.Outcome, StringComparison.Ordinal);
        Assert.Contains("retried within minutes", update.Request.Outcome, StringComparison.Ordinal);
        Assert.Contains(StepNames.Network, _fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId)!.CompletedSteps);

        _fixture.Cloud.BeforeCall = null;
        _fixture.Time.Advance(ApprovalService.HandOffGrace);
        var sweep = await _fixture.HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep));

        Assert.Contains(sweep.Instances, i => i.InstanceId == ApprovalFixture.InstanceId && i.Outcome == Outcomes.Isolated);
        Assert.Equal(IsolationStatus.Isolated, _fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId)!.Status);
        Assert.StartsWith("Approved by slack:", _fixture.Stored.Outcome, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_HandedOffIsolationFailsBeforeContainment_MessageSaysTheNetworkIsNotContained()
    {
        var handOff = await ApprovedAsync();
        FailOn("CreateSecurityGroup");

        await Assert.ThrowsAsync<IsolationFailedException>(() => _fixture.HandleAsync(handOff));

        var shown = Assert.Single(_fixture.Channel.Updates).Request.Outcome;
        Assert.Contains("network NOT yet contained; steps completed: none", shown, StringComparison.Ordinal);
        Assert.Null(_fixture.Stored.Outcome);
    }

    [Theory]
    [InlineData(true, "security groups contained, but the flows AWS always tracks (NAT gateway and the like) NOT yet cut; steps completed: network")]
    [InlineData(false, "network contained; steps completed: network")]
    public void WhatHolds_GroupsSwappedAclCutNotDone_TrackedFlowsSaidOpenWhereTheDeploymentCutsThem(bool cutTrackedPaths, string expected)
    {
        var record = SampleRecords.Record(status: IsolationStatus.Isolating);
        record.CompletedSteps.Clear();
        record.CompletedSteps.Add(StepNames.Network);

        Assert.Equal(expected, ApprovalService.WhatHolds(record, cutTrackedPaths));
    }

    [Fact]
    public async Task HandleAsync_HandedOffIsolationFailsWithALongError_WhatHoldsShownBeforeTheError()
    {
        var handOff = await ApprovedAsync();
        _fixture.Cloud.BeforeCall = call =>
        {
            if (call == "CreateSnapshots")
            {
                throw new InvalidOperationException(new string('x', 4000));
            }
        };

        await Assert.ThrowsAsync<IsolationFailedException>(() => _fixture.HandleAsync(handOff));

        var shown = Assert.Single(_fixture.Channel.Updates).Request.Outcome!;
        Assert.True(shown.IndexOf("network contained", StringComparison.Ordinal) < shown.IndexOf("xxxx", StringComparison.Ordinal), shown[..200]);
    }

    [Fact]
    public async Task HandleAsync_RetryAfterAFailedHandedOffIsolation_MessageUpdatedToTheResult()
    {
        var handOff = await ApprovedAsync();
        FailOn("CreateSnapshots");
        await Assert.ThrowsAsync<IsolationFailedException>(() => _fixture.HandleAsync(handOff));
        _fixture.Cloud.BeforeCall = null;

        var retry = await _fixture.HandleAsync(handOff);

        Assert.Equal(Outcomes.Isolated, retry.Action);
        Assert.Equal(2, _fixture.Channel.Updates.Count);
        var last = _fixture.Channel.Updates[^1].Request.Outcome;
        Assert.DoesNotContain("did not complete", last, StringComparison.Ordinal);
        Assert.Equal(last, _fixture.Stored.Outcome);
    }

    [Fact]
    public async Task HandleAsync_HandedOffIsolationFailsWithATicket_FailureCommentedOnTheRequestTicket()
    {
        var handOff = await ApprovedAsync();
        FailOn("CreateSnapshots");

        await Assert.ThrowsAsync<IsolationFailedException>(() => _fixture.HandleAsync(handOff));

        var comment = Assert.Single(_ticket.Comments);
        Assert.Equal(("SEC-1", $"Isolation of {ApprovalFixture.InstanceId} on approval did not complete"), (comment.Key, comment.Title));
        Assert.Equal(Assert.Single(_fixture.Channel.Updates).Request.Outcome, comment.Text);
    }

    [Fact]
    public async Task HandleAsync_SlackAndJiraFailWhileReportingAFailedIsolation_TheIsolationErrorStillSurfaces()
    {
        var handOff = await ApprovedAsync();
        FailOn("CreateSnapshots");
        _fixture.Channel.UpdateFailure = new InvalidOperationException("slack answered 404: used_url");
        _ticket.Failure = new InvalidOperationException("jira answered 503");

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => _fixture.HandleAsync(handOff));

        Assert.Contains("injected failure", error.Message, StringComparison.Ordinal);
        Assert.Empty(_fixture.Channel.Updates);
        Assert.Empty(_ticket.Comments);
        Assert.Equal((ApprovalStatus.Approved, null), (_fixture.Stored.Status, _fixture.Stored.Outcome));
    }

    [Fact]
    public async Task HandleAsync_SlackNotAnsweringWhileReportingAFailedIsolation_ReportGivenUpAndTheIsolationErrorSurfaces()
    {
        var handOff = await ApprovedAsync();
        FailOn("CreateSnapshots");
        _fixture.Channel.UpdateHangs = true;

        var handling = _fixture.HandleAsync(handOff);
        await _fixture.Channel.UpdateHanging.WaitOrFailAsync();
        _fixture.Time.Advance(ApprovalService.FailureReportTimeout);

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => handling.WaitOrFailAsync());
        Assert.Contains("injected failure", error.Message, StringComparison.Ordinal);
        Assert.Null(_fixture.Stored.Outcome);
    }

    /// <summary>A request asked, approved in Slack and handed off; the hand-off event.</summary>
    private async Task<string> ApprovedAsync()
    {
        await _fixture.AskAsync();
        await _fixture.ClickAsync(SlackInteractionEndpoint.ApproveAction);
        return Assert.Single(_handOff.HandedOff).ToEventJson();
    }

    private void FailOn(string call) => _fixture.Cloud.BeforeCall = name =>
    {
        if (name.StartsWith(call, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("injected failure");
        }
    };
}
