using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Notifications;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace Ec2Isolation.Core.Tests.Notifications;

/// <summary>The engine's notices: when they go out, what they carry, and that none of them can delay or fail a run.</summary>
public sealed class NotificationTests
{
    private const string InstanceId = "i-0123456789abcdef0";
    private const string VpcId = "vpc-1";
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly FakeCloud _cloud = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly IsolationSettings _settings = new() { TableName = "records", IsolationInstanceProfile = FakeCloud.IsolationProfileArn };

    public NotificationTests() => _cloud.AddInstance(InstanceId, VpcId, enis: 2);

    private IsolationService CreateSut(params IIsolationNotifier[] notifiers) => new(
        new AwsApis(_cloud, _cloud, _cloud, _cloud, _cloud, _cloud, _cloud), new Mock<IEc2Api>().Object, _cloud, _settings, "us-east-1", _time,
        NullLogger<IsolationService>.Instance, notifiers);

    private static IsolationRequest Request() => new(InstanceId, "GuardDuty finding abc", "INC-42", "tester");

    [Fact]
    public async Task IsolateAsync_Notifier_StartedThenCompletedAndBothRecorded()
    {
        var slack = new ScriptedNotifier("slack");

        var result = await CreateSut(slack).IsolateAsync(Request(), None);

        Assert.Equal([NoticeKind.Started, NoticeKind.Completed], slack.Kinds);
        var stored = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal(
            [("slack", NoticeKind.Started, true), ("slack", NoticeKind.Completed, true)],
            stored.Notifications.Select(n => (n.Notifier, n.Kind, n.Succeeded)));
        Assert.All(stored.Notifications, n => Assert.Equal(_time.GetUtcNow(), n.At));
        Assert.Equal(IsolationStatus.Isolated, stored.Status);
        Assert.Null(stored.LeaseOwner);
        Assert.Equal(stored.Notifications, result.Record.Notifications);
    }

    [Fact]
    public async Task IsolateAsync_StartedNotice_SentOnlyOnceTheNetworkIsContained()
    {
        var quarantinedAtStart = false;
        var slack = new ScriptedNotifier("slack", (notice, _) =>
        {
            if (notice.Kind == NoticeKind.Started)
            {
                var quarantine = _cloud.Groups.Single(g => g.Name == _settings.QuarantineGroupName).GroupId;
                quarantinedAtStart = _cloud.Instances[InstanceId].Enis.All(eni => _cloud.EniGroups[eni].SequenceEqual([quarantine]));
            }

            return Task.FromResult(new NotificationReceipt());
        });

        await CreateSut(slack).IsolateAsync(Request(), None);

        Assert.True(quarantinedAtStart);
        Assert.Equal([StepNames.Network], slack.Notices.First().Record.CompletedSteps);
    }

    [Fact]
    public async Task IsolateAsync_AnyNotice_CarriesTheRecordAndTheReleaseCommand()
    {
        var slack = new ScriptedNotifier("slack");

        await CreateSut(slack).IsolateAsync(Request(), None);

        var started = slack.Notices.First();
        Assert.Equal("ec2-isolation release i-0123456789abcdef0 --account 123456789012 --region us-east-1", started.ReleaseCommand);
        Assert.Equal((InstanceId, FakeCloud.AccountId, "us-east-1", "INC-42", "GuardDuty finding abc"),
            (started.Record.InstanceId, started.Record.AccountId, started.Record.Region, started.Record.IncidentId, started.Record.Reason));
        Assert.Null(started.Error);
        var completed = slack.Notices.Last();
        Assert.Equal(IsolationSteps.InOrder.Select(s => s.Name), completed.Record.CompletedSteps);
        Assert.NotEmpty(completed.Record.Artifacts.SnapshotIds);
    }

    [Fact]
    public async Task IsolateAsync_NotifierHangs_EveryStepCompletesMeanwhile()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slack = AnswersStartedAfter("slack", gate.Task);

        var run = CreateSut(slack).IsolateAsync(Request(), None);
        await WaitUntilAsync(() => _cloud.Calls.Contains("CreateTags") && !slack.Events.IsEmpty);

        // The last step has run while the first notice is still unanswered; only the end of the run waits for it.
        Assert.Equal(["Started>"], slack.Events);
        Assert.False(run.IsCompleted);
        gate.SetResult();
        Assert.Equal(IsolationOutcome.Isolated, (await run).Outcome);
        Assert.Equal(["Started>", "Started<", "Completed>", "Completed<"], slack.Events);
    }

    [Fact]
    public async Task IsolateAsync_SlowNotifier_ItsNoticesInOrderAndOthersNotHeldUp()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = AnswersStartedAfter("jira", gate.Task);
        var fast = new ScriptedNotifier("slack");

        var run = CreateSut(slow, fast).IsolateAsync(Request(), None);
        await WaitUntilAsync(() => fast.Notices.Count == 2);
        gate.SetResult();
        await run;

        Assert.Equal(["Started>", "Started<", "Completed>", "Completed<"], slow.Events);
        Assert.Equal([NoticeKind.Started, NoticeKind.Completed], fast.Kinds);
    }

    [Fact]
    public async Task IsolateAsync_NotifierThrows_IsolatedAndTheFailureRecorded()
    {
        var broken = new ScriptedNotifier("jira", (_, _) => throw new InvalidOperationException("jira answered 401"));
        var slack = new ScriptedNotifier("slack");

        var result = await CreateSut(broken, slack).IsolateAsync(Request(), None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        var notifications = _cloud.StoredRecord(InstanceId)!.Notifications;
        Assert.Equal(
            [("jira", NoticeKind.Started, false, "jira answered 401"), ("slack", NoticeKind.Started, true, null),
             ("jira", NoticeKind.Completed, false, "jira answered 401"), ("slack", NoticeKind.Completed, true, null)],
            notifications.Select(n => (n.Notifier, n.Kind, n.Succeeded, n.Error)));
    }

    [Fact]
    public async Task IsolateAsync_StepFails_FailureWrittenFirstThenFailedNoticeWithTheMessage()
    {
        string? failedStepStoredAtNotice = null;
        var slack = new ScriptedNotifier("slack", (notice, _) =>
        {
            if (notice.Kind == NoticeKind.Failed)
            {
                failedStepStoredAtNotice = _cloud.StoredRecord(InstanceId)!.FailedStep;
            }

            return Task.FromResult(new NotificationReceipt());
        });
        FailOn("ReplaceIamInstanceProfileAssociation", "AssociateIamInstanceProfile");

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut(slack).IsolateAsync(Request(), None));

        Assert.Equal([NoticeKind.Started, NoticeKind.Failed], slack.Kinds);
        Assert.Equal(error.Message, slack.Notices.Last().Error);
        Assert.Equal(StepNames.InstanceProfile, failedStepStoredAtNotice);
        var stored = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal(StepNames.InstanceProfile, stored.FailedStep);
        Assert.Contains("injected failure", stored.LastError, StringComparison.Ordinal);
        Assert.Null(stored.LeaseOwner);
        Assert.Equal([NoticeKind.Started, NoticeKind.Failed], stored.Notifications.Select(n => n.Kind));
    }

    [Fact]
    public async Task IsolateAsync_NetworkStepFails_NoStartedNoticeOnlyFailed()
    {
        var slack = new ScriptedNotifier("slack");
        FailOn("CreateSecurityGroup");

        await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut(slack).IsolateAsync(Request(), None));

        Assert.Equal([NoticeKind.Failed], slack.Kinds);
        Assert.Contains("NOT yet contained", slack.Notices.Single().Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IsolateAsync_NotificationsCannotBeRecorded_RunSucceedsAnyway()
    {
        var slack = new ScriptedNotifier("slack");
        _cloud.BeforeCall = call =>
        {
            // Every write after the run's own last one (status Isolated) fails.
            if (call == "PutItem" && _cloud.StoredRecord(InstanceId)?.Status == IsolationStatus.Isolated)
            {
                throw new InvalidOperationException("table unavailable");
            }
        };

        var result = await CreateSut(slack).IsolateAsync(Request(), None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Empty(_cloud.StoredRecord(InstanceId)!.Notifications);
    }

    [Fact]
    public async Task IsolateAsync_NotifierOpensATicket_KeyRecordedTaggedAndCarriedToLaterNotices()
    {
        var jira = new ScriptedNotifier("jira", async (notice, _) =>
        {
            // Answered once the last step has run: the fake account's tags are not safe for concurrent writers.
            await WaitUntilAsync(() => _cloud.Calls.Contains("CreateTags"));
            return new NotificationReceipt(notice.Record.TicketKey ?? "SEC-1");
        });

        await CreateSut(jira).IsolateAsync(Request(), None);
        await CreateSut(jira).ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), None);

        var stored = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal("SEC-1", stored.TicketKey);
        Assert.Equal("SEC-1", _cloud.Instances[InstanceId].Tags["ec2-isolation:ticket"]);
        Assert.Equal([null, "SEC-1", "SEC-1"], jira.Notices.Select(n => n.Record.TicketKey));
        // The tag's result is queued when the ticket comes back, which may be after the next notice was queued.
        Assert.Equal(
            [NoticeKind.Started, NoticeKind.Completed, NoticeKind.Released], stored.Notifications.Where(n => n.Notifier == "jira").Select(n => n.Kind));
        Assert.Equal(NoticeKind.Started, Assert.Single(stored.Notifications, n => n.Notifier == NoticeDispatcher.TicketTag).Kind);
        Assert.All(stored.Notifications, n => Assert.Equal(("SEC-1", true), (n.ExternalId, n.Succeeded)));
    }

    [Fact]
    public async Task ReleaseAsync_IsolatedInstance_ReleasedNoticeAfterTheRestoration()
    {
        var slack = new ScriptedNotifier("slack");
        await CreateSut(slack).IsolateAsync(Request(), None);

        await CreateSut(slack).ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), None);

        var released = slack.Notices.Last();
        Assert.Equal(NoticeKind.Released, released.Kind);
        Assert.Equal(IsolationStatus.Released, released.Record.Status);
        Assert.Equal("releaser", released.Record.ReleasedBy);
        Assert.Equal([NoticeKind.Started, NoticeKind.Completed, NoticeKind.Released], _cloud.StoredRecord(InstanceId)!.Notifications.Select(n => n.Kind));
    }

    [Fact]
    public async Task ReleaseAsync_StepFails_FailedNoticeSaysTheReleaseFailed()
    {
        await CreateSut().IsolateAsync(Request(), None);
        var slack = new ScriptedNotifier("slack");
        FailOn("DeleteTags");

        await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut(slack).ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), None));

        var failed = Assert.Single(slack.Notices);
        Assert.Equal((NoticeKind.Failed, IsolationStatus.Releasing), (failed.Kind, failed.Record.Status));
        Assert.StartsWith("Release of i-0123456789abcdef0 failed at step 'status-tags'", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IsolateAsync_AlreadyIsolated_NothingSent()
    {
        await CreateSut().IsolateAsync(Request(), None);
        var slack = new ScriptedNotifier("slack");

        await CreateSut(slack).IsolateAsync(Request(), None);

        Assert.Empty(slack.Notices);
    }

    [Fact]
    public async Task PlanIsolationAndPlanRelease_Notifier_NothingSent()
    {
        var slack = new ScriptedNotifier("slack");
        await CreateSut(slack).PlanIsolationAsync(Request(), None);
        await CreateSut().IsolateAsync(Request(), None);

        await CreateSut(slack).PlanReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), None);

        Assert.Empty(slack.Notices);
        Assert.Empty(_cloud.StoredRecord(InstanceId)!.Notifications);
    }

    [Fact]
    public async Task IsolateAsync_Cancelled_FailedNoticeStillSent()
    {
        var slack = new ScriptedNotifier("slack");
        using var cancellation = new CancellationTokenSource();
        _cloud.BeforeCall = call =>
        {
            if (call == "CreateSnapshots")
            {
                cancellation.Cancel();
                cancellation.Token.ThrowIfCancellationRequested();
            }
        };

        await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut(slack).IsolateAsync(Request(), cancellation.Token));

        Assert.Equal([NoticeKind.Started, NoticeKind.Failed], _cloud.StoredRecord(InstanceId)!.Notifications.Select(n => n.Kind));
    }

    [Fact]
    public async Task SettleAsync_NotifierIgnoresItsToken_TimesOutAndIsRecordedAsSuch()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hung = new ScriptedNotifier("slack", async (_, _) =>
        {
            entered.SetResult();
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
            return new NotificationReceipt();
        });
        var dispatcher = NoticeDispatcher.For([hung], _cloud, "ec2-isolation:ticket", _time, NullLogger.Instance, TimeSpan.FromSeconds(10))!;
        var record = (await CreateSut().IsolateAsync(Request(), None)).Record;

        dispatcher.Notify(NoticeKind.Completed, record);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(10));
        await dispatcher.SettleAsync(record, None);

        var result = Assert.Single(record.Notifications);
        Assert.Equal(("slack", NoticeKind.Completed, false, "No answer within 10 s."), (result.Notifier, result.Kind, result.Succeeded, result.Error));
    }

    [Fact]
    public async Task SettleAsync_NoticeStillPendingAtTheBound_RecordedAsUnanswered()
    {
        var gate = new TaskCompletionSource<NotificationReceipt>();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = new ScriptedNotifier("slack", (_, _) =>
        {
            entered.SetResult();
            return gate.Task;
        });
        var dispatcher = NoticeDispatcher.For([slow], _cloud, "ec2-isolation:ticket", TimeProvider.System, NullLogger.Instance, TimeSpan.FromMilliseconds(100))!;
        var record = (await CreateSut().IsolateAsync(Request(), None)).Record;
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        dispatcher.Notify(NoticeKind.Failed, record, "deadline");
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await dispatcher.SettleAsync(record, cancelled.Token);

        Assert.False(Assert.Single(record.Notifications).Succeeded);
        gate.SetResult(new NotificationReceipt());
    }

    [Fact]
    public void For_NoNotifier_NoDispatcher() =>
        Assert.Null(NoticeDispatcher.For([], _cloud, "ec2-isolation:ticket", _time, NullLogger.Instance, NoticeTiming.DefaultTimeout));

    /// <summary>A notifier that answers the Started notice only once <paramref name="gate"/> has completed, the others at once.</summary>
    private static ScriptedNotifier AnswersStartedAfter(string name, Task gate) => new(name, async (notice, _) =>
    {
        if (notice.Kind == NoticeKind.Started)
        {
            await gate;
        }

        return new NotificationReceipt();
    });

    private void FailOn(params string[] calls) => _cloud.BeforeCall = call =>
    {
        if (calls.Any(failing => call.StartsWith(failing, StringComparison.Ordinal)))
        {
            throw new InvalidOperationException("injected failure");
        }
    };

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var waited = 0; !condition(); waited += 5)
        {
            Assert.True(waited < 10_000, "timed out waiting");
            await Task.Delay(5);
        }
    }
}
