using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Core.Tests.Approvals;

/// <summary>
/// Decisions through Slack's URL with a hand-off (the Lambda): the URL records the decision and answers at once; the
/// handed-off event isolates (or reports the denial) once; a failed hand-off leaves the decision to the sweep.
/// </summary>
public sealed class ApprovalHandOffTests
{
    private const string Approve = SlackInteractionEndpoint.ApproveAction;
    private const string Deny = SlackInteractionEndpoint.DenyAction;

    private readonly FakeApprovalHandOff _handOff = new();
    private readonly ApprovalFixture _fixture;

    public ApprovalHandOffTests() => _fixture = new ApprovalFixture(handOff: _handOff);

    private Task AskAsync() => _fixture.AskAsync();

    [Fact]
    public async Task HandleAsync_Approved_DecisionRecordedAndHandedOffWithoutIsolating()
    {
        await AskAsync();

        var answer = await _fixture.ClickAsync(Approve);

        Assert.Equal(200, answer.StatusCode);
        Assert.Contains("is being isolated", answer.Body, StringComparison.Ordinal);
        Assert.Empty(_fixture.Cloud.Mutations);
        Assert.Equal((ApprovalStatus.Approved, null), (_fixture.Stored.Status, _fixture.Stored.Outcome));
        var handOff = Assert.Single(_handOff.HandedOff);
        Assert.Equal((_fixture.Stored.RequestId, ApprovalFixture.InstanceId, new Uri(ApprovalFixture.ResponseUrl)), (handOff.RequestId, handOff.InstanceId, handOff.ResponseUrl));
        Assert.Empty(_fixture.Channel.Updates);
    }

    [Fact]
    public async Task HandleAsync_HandedOffApproval_IsolatedWithTheApproverAndTheMessageUpdated()
    {
        await AskAsync();
        await _fixture.ClickAsync(Approve);

        var result = await _fixture.HandleAsync(Assert.Single(_handOff.HandedOff).ToEventJson());

        Assert.Equal(("approval-decision", Outcomes.Isolated), (result.EventKind, result.Action));
        Assert.Equal((_fixture.Stored.RequestId, ApprovalStatus.Approved), (result.Approval!.RequestId, result.Approval.Status));
        var record = _fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId)!;
        Assert.Equal((IsolationStatus.Isolated, $"slack:{SlackInteractions.Approver} (responder)"), (record.Status, record.RequestedBy));
        Assert.StartsWith("Approved by slack:", _fixture.Stored.Outcome, StringComparison.Ordinal);
        var update = Assert.Single(_fixture.Channel.Updates);
        Assert.Equal(new Uri(ApprovalFixture.ResponseUrl), update.ResponseUrl);
        Assert.Contains("isolated", update.Request.Outcome, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_HandOffDeliveredTwice_SecondChangesNothing()
    {
        await AskAsync();
        await _fixture.ClickAsync(Approve);
        var handOff = Assert.Single(_handOff.HandedOff).ToEventJson();
        await _fixture.HandleAsync(handOff);
        _fixture.Cloud.Calls.Clear();

        var again = await _fixture.HandleAsync(handOff);

        Assert.Equal(Outcomes.Ignored, again.Action);
        Assert.Contains("acted on before", again.Message, StringComparison.Ordinal);
        Assert.Empty(_fixture.Cloud.Mutations);
        Assert.Single(_fixture.Channel.Updates);
    }

    [Fact]
    public async Task HandleAsync_HandedOffDenial_DeniedResultAndNothingChanged()
    {
        await AskAsync();
        await _fixture.ClickAsync(Deny);

        var result = await _fixture.HandleAsync(Assert.Single(_handOff.HandedOff).ToEventJson());

        Assert.Equal(Outcomes.Denied, result.Action);
        Assert.Equal(ApprovalStatus.Denied, result.Approval!.Status);
        Assert.Empty(_fixture.Cloud.Mutations);
        Assert.Null(_fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId));
        Assert.Equal(ApprovalStatus.Denied, Assert.Single(_fixture.Channel.Updates).Request.Status);
    }

    [Fact]
    public async Task HandleAsync_HandOffOfAPendingRequest_IgnoredAndNothingChanged()
    {
        await AskAsync();
        var forged = new ApprovalHandOff(_fixture.Stored.RequestId, FakeCloud.AccountId, FakeAccounts.Region, ApprovalFixture.InstanceId, _fixture.Time.GetUtcNow(), null);

        var result = await _fixture.HandleAsync(forged.ToEventJson());

        Assert.Equal(Outcomes.Ignored, result.Action);
        Assert.Contains("is not decided", result.Message, StringComparison.Ordinal);
        Assert.Empty(_fixture.Cloud.Mutations);
        Assert.Equal(ApprovalStatus.Pending, _fixture.Stored.Status);
    }

    [Fact]
    public async Task HandleAsync_HandOffOfAnotherRequestId_IgnoredAndNothingChanged()
    {
        await AskAsync();
        await _fixture.ClickAsync(Approve);
        var stale = Assert.Single(_handOff.HandedOff) with { RequestId = new string('0', 32) };

        var result = await _fixture.HandleAsync(stale.ToEventJson());

        Assert.Equal(Outcomes.Ignored, result.Action);
        Assert.Contains("was replaced", result.Message, StringComparison.Ordinal);
        Assert.Empty(_fixture.Cloud.Mutations);
    }

    [Theory]
    [InlineData("https://attacker.example/actions/1")]
    [InlineData("http://hooks.slack.com/actions/1")]
    public async Task HandleAsync_HandOffWithAResponseUrlOutsideSlack_RefusedAsAnInvalidEvent(string responseUrl)
    {
        await AskAsync();
        await _fixture.ClickAsync(Approve);
        var handOff = Assert.Single(_handOff.HandedOff) with { ResponseUrl = new Uri(responseUrl) };

        await Assert.ThrowsAsync<InvalidEventException>(() => _fixture.HandleAsync(handOff.ToEventJson()));

        Assert.Empty(_fixture.Cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_HandOffThrottled_DecisionRecordedAnswerSaysSoAndTheSweepIsolates()
    {
        await AskAsync();
        _handOff.Failure = new InvalidOperationException("TooManyRequestsException: Rate exceeded");

        var answer = await _fixture.ClickAsync(Approve);

        Assert.Equal(200, answer.StatusCode);
        Assert.Contains("could not be started now (TooManyRequestsException: Rate exceeded): the sweep isolates", answer.Body, StringComparison.Ordinal);
        Assert.Equal((ApprovalStatus.Approved, null), (_fixture.Stored.Status, _fixture.Stored.Outcome));
        Assert.Contains("the sweep isolates", Assert.Single(_fixture.Channel.Updates).Request.Outcome, StringComparison.Ordinal);
        Assert.Empty(_fixture.Cloud.Mutations);

        var early = await _fixture.HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep));
        _fixture.Time.Advance(ApprovalService.HandOffGrace);
        var sweep = await _fixture.HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep));

        Assert.DoesNotContain(early.Instances, i => i.InstanceId == ApprovalFixture.InstanceId);
        Assert.Equal(Outcomes.Isolated, Assert.Single(sweep.Instances, i => i.InstanceId == ApprovalFixture.InstanceId).Outcome);
        Assert.Equal(IsolationStatus.Isolated, _fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId)!.Status);
        Assert.NotNull(_fixture.Stored.Outcome);
        Assert.Contains(_fixture.Channel.Notices, n => n.Title.Contains("isolated on approval", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HandleAsync_DenialNotHandedOff_TheSweepReportsItOnce()
    {
        await AskAsync();
        _handOff.Failure = new InvalidOperationException("TooManyRequestsException: Rate exceeded");
        await _fixture.ClickAsync(Deny);
        _fixture.Time.Advance(ApprovalService.HandOffGrace);

        var sweep = await _fixture.HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep));
        var again = await _fixture.HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep));

        Assert.Equal(Outcomes.Denied, Assert.Single(sweep.Instances).Outcome);
        Assert.Empty(again.Instances);
        Assert.Empty(_fixture.Cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_SweepWhileTheHandedOffRunHoldsTheRecord_LeftToThatRunAndTheSweepSucceeds()
    {
        await AskAsync();
        await _fixture.ClickAsync(Approve);
        var held = SampleRecords.Record(ApprovalFixture.InstanceId, IsolationStatus.Isolating);
        (held.LeaseOwner, held.LeaseExpiresAt) = ("handed-off-run", _fixture.Time.GetUtcNow().AddMinutes(5));
        await _fixture.Cloud.PutAsync(held, null, CancellationToken.None);
        _fixture.Time.Advance(ApprovalService.HandOffGrace);

        var sweep = await _fixture.HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep));

        Assert.DoesNotContain(sweep.Instances, i => i.InstanceId == ApprovalFixture.InstanceId && i.Outcome == Outcomes.Isolated);
        Assert.Null(_fixture.Stored.Outcome);
        Assert.Empty(_fixture.Channel.Notices);
    }
}

