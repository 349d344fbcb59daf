using System.Text;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;

namespace Ec2Isolation.Core.Tests.Events;

/// <summary>A sweep over more tagged instances than its result lists: the result stays small enough for EventBridge.</summary>
public sealed class SweepSummaryTests
{
    private readonly FakeCloud _cloud = new();
    private readonly IsolationSettings _settings = new() { TableName = "records", IsolationInstanceProfile = FakeCloud.IsolationProfileArn };
    private readonly Mock<IIsolationService> _isolation = new();

    [Fact]
    public async Task HandleAsync_SweepOverManyAlreadyIsolated_ListsWhatItChangedFirstCountsEveryOutcomeAndFitsEventBridge()
    {
        const int alreadyIsolated = 400;
        var changed = new[] { "i-ffffffffffffffff0", "i-ffffffffffffffff1" };
        var ids = Enumerable.Range(0, alreadyIsolated).Select(i => $"i-{i:x17}").Concat(changed).ToList();
        foreach (var id in ids)
        {
            _cloud.AddInstance(id, "vpc-1").Tags[_settings.TriggerTagKey] = _settings.TriggerTagValue;
        }

        _isolation.Setup(i => i.GetStatusAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, CancellationToken _) => changed.Contains(id) ? null : SampleRecords.Record(id, accountId: FakeCloud.AccountId));
        _isolation.Setup(i => i.ListAsync(It.IsAny<CancellationToken>())).ReturnsAsync([.. ids.Except(changed).Select(id => SampleRecords.Record(id, accountId: FakeCloud.AccountId))]);
        _isolation.Setup(i => i.ReconcileAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, string _, CancellationToken _) =>
                new IsolationResult(IsolationOutcome.AlreadyIsolated, SampleRecords.Record(id, accountId: FakeCloud.AccountId), "already isolated"));
        _isolation.Setup(i => i.IsolateAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((IsolationRequest request, CancellationToken _) =>
                new IsolationResult(IsolationOutcome.Isolated, SampleRecords.Record(request.InstanceId, accountId: FakeCloud.AccountId), "isolated"));
        var router = FakeAccounts.Router(FakeAccounts.Services(_isolation.Object, _cloud));
        var processor = new IsolationEventProcessor(router, _settings, NullLogger<IsolationEventProcessor>.Instance);

        var result = await processor.HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep), CancellationToken.None);

        Assert.Equal(IsolationEventProcessor.SweepListedInstances, result.Instances.Count);
        Assert.Equal(changed, result.Instances.Take(2).Select(i => i.InstanceId));
        Assert.All(result.Instances.Skip(2), i => Assert.Equal(Outcomes.AlreadyIsolated, i.Outcome));
        Assert.Equal(new Dictionary<string, int> { [Outcomes.Isolated] = 2, [Outcomes.AlreadyIsolated] = alreadyIsolated }, result.Counts);
        Assert.Contains("302 more not listed", result.Message, StringComparison.Ordinal);
        // EventBridge's limit is for the whole invocation record (event and response): keep the response well under it.
        Assert.True(Encoding.UTF8.GetByteCount(result.ToJson()) < 128 * 1024, $"{Encoding.UTF8.GetByteCount(result.ToJson())} bytes");
    }
}
