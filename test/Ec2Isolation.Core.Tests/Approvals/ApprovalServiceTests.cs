using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Core.Tests.Approvals;

/// <summary>Tiers through the event processor: asking, notifying, time-outs in the sweep.</summary>
public sealed class ApprovalServiceTests
{
    private readonly ApprovalFixture _fixture = new();

    [Fact]
    public async Task HandleAsync_FindingInAnAskingBand_RequestPostedWithEvidenceAndNothingChanged()
    {
        var result = await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));

        Assert.Equal(Outcomes.ApprovalRequested, result.Action);
        Assert.Empty(_fixture.Cloud.Mutations);
        Assert.Null(_fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId));
        var posted = Assert.Single(_fixture.Channel.Requests);
        Assert.Equal((Triggers.GuardDuty, 5.5, "web-1"), (posted.Trigger, posted.Severity, posted.Evidence["Name"]));
        Assert.Equal(_fixture.Time.GetUtcNow().AddMinutes(30), posted.ExpiresAt);
        Assert.NotNull(_fixture.Stored.PostedAt);
    }

    [Fact]
    public async Task HandleAsync_SameFindingDeliveredTwice_OneRequest()
    {
        await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));

        var second = await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));

        Assert.Equal(Outcomes.ApprovalRequested, second.Action);
        Assert.Contains("nothing more asked", second.Message, StringComparison.Ordinal);
        Assert.Single(_fixture.Channel.Requests);
    }

    [Fact]
    public async Task HandleAsync_FindingRepublishedAfterADenial_AlreadyHandledAndNotAskedAgain()
    {
        await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));
        await _fixture.ClickAsync(SlackInteractionEndpoint.DenyAction);

        var again = await _fixture.HandleAsync(ApprovalFixture.Finding(5.8));

        Assert.Equal(Outcomes.AlreadyHandled, again.Action);
        Assert.Single(_fixture.Channel.Requests);
    }

    [Fact]
    public async Task HandleAsync_SlackDown_InvocationFailsAndItsRetryPosts()
    {
        _fixture.Channel.Failure = new InvalidOperationException("slack answered 500");
        await Assert.ThrowsAsync<InvalidOperationException>(() => _fixture.HandleAsync(ApprovalFixture.Finding(5.5)));
        Assert.Null(_fixture.Stored.PostedAt);
        _fixture.Channel.Failure = null;

        var retry = await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));

        Assert.Equal(Outcomes.ApprovalRequested, retry.Action);
        Assert.Single(_fixture.Channel.Requests);
        Assert.NotNull(_fixture.Stored.PostedAt);
    }

    [Fact]
    public async Task HandleAsync_FindingInANotifyingBand_ChannelToldAndNothingChanged()
    {
        var result = await _fixture.HandleAsync(ApprovalFixture.Finding(2));

        Assert.Equal(Outcomes.Notified, result.Action);
        Assert.Empty(_fixture.Cloud.Mutations);
        Assert.Contains("nothing was changed", Assert.Single(_fixture.Channel.Notices).Text, StringComparison.Ordinal);
        Assert.Null(_fixture.Store.Stored(ApprovalFixture.InstanceId));
    }

    [Fact]
    public async Task HandleAsync_FindingInAContainingBand_IsolatedAtOnce()
    {
        var result = await _fixture.HandleAsync(ApprovalFixture.Finding(8));

        Assert.Equal(Outcomes.Isolated, result.Action);
        Assert.Empty(_fixture.Channel.Requests);
    }

    [Fact]
    public async Task HandleAsync_AskingTierWithoutAChannel_ContainedFailingClosed()
    {
        var fixture = new ApprovalFixture(withChannel: false);

        var result = await fixture.HandleAsync(ApprovalFixture.Finding(5.5));

        Assert.Equal(Outcomes.Isolated, result.Action);
        Assert.Equal(IsolationStatus.Isolated, fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId)!.Status);
    }

    [Fact]
    public async Task HandleAsync_SweepAfterAContainingTimeOut_IsolatedOnceAndToldTheChannel()
    {
        await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));
        _fixture.Time.Advance(TimeSpan.FromMinutes(30));

        var sweep = await _fixture.HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep));
        var again = await _fixture.HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep));

        Assert.Contains(sweep.Instances, o => o.InstanceId == ApprovalFixture.InstanceId && o.Outcome == Outcomes.Isolated);
        var record = _fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId)!;
        Assert.Equal(IsolationStatus.Isolated, record.Status);
        Assert.StartsWith(ApprovalService.TimeOut + " of approval request", record.RequestedBy, StringComparison.Ordinal);
        Assert.Equal((ApprovalStatus.Expired, ApprovalService.TimeOut), (_fixture.Stored.Status, _fixture.Stored.DecidedBy));
        Assert.Contains("expired", Assert.Single(_fixture.Channel.Notices).Title, StringComparison.Ordinal);
        Assert.DoesNotContain(again.Instances, o => o.Outcome == Outcomes.Isolated);
    }

    [Fact]
    public async Task HandleAsync_SweepAfterADroppingTimeOut_NothingChangedAndToldTheChannel()
    {
        await _fixture.HandleAsync(ApprovalFixture.Finding(3.5));
        _fixture.Cloud.Calls.Clear();
        _fixture.Time.Advance(TimeSpan.FromMinutes(10));

        var sweep = await _fixture.HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep));

        Assert.Equal(Outcomes.Ignored, Assert.Single(sweep.Instances).Outcome);
        Assert.Empty(_fixture.Cloud.Mutations);
        Assert.Equal(ApprovalStatus.Expired, _fixture.Stored.Status);
        Assert.Contains("dropped", Assert.Single(_fixture.Channel.Notices).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_SweepBeforeTheTimeOut_RequestStaysPending()
    {
        await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));
        _fixture.Time.Advance(TimeSpan.FromMinutes(29));

        await _fixture.HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep));

        Assert.Equal(ApprovalStatus.Pending, _fixture.Stored.Status);
        Assert.Null(_fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId));
    }
}
