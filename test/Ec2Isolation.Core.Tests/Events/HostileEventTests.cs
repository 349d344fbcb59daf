using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Events;

/// <summary>
/// The hostile corpus (TestSupport/Events/hostile/, expectations in its manifest.json), one row per file, through the
/// event processor over an in-memory account holding an instance that is not isolated and one that is: each event
/// gets a clear error or a logged no-op, nothing is changed, and the isolated instance stays isolated.
/// </summary>
public sealed class HostileEventTests
{
    private const string InstanceId = "i-0123456789abcdef0";
    private const string IsolatedInstanceId = "i-0fedcba9876543210";

    /// <summary>The processor's "Ignored a {EventKind} event" line.</summary>
    private const int IgnoredEventId = 2000;

    private readonly FakeCloud _cloud = new();
    private readonly RecordingLogger<IsolationEventProcessor> _log = new();
    private readonly IsolationSettings _settings = new() { TableName = "records", IsolationInstanceProfile = FakeCloud.IsolationProfileArn };
    private readonly IsolationService _service;

    public HostileEventTests()
    {
        _cloud.AddInstance(InstanceId, "vpc-1");
        _cloud.AddInstance(IsolatedInstanceId, "vpc-1", enis: 2, profileArn: "arn:aws:iam::123456789012:instance-profile/app");
        _service = FakeAccounts.Service(_cloud, _settings, new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero)));
    }

    public static TheoryData<string> Corpus() => [.. HostileEvents.Names];

    [Fact]
    public void Corpus_Manifest_DescribesEveryFileWithAnOutcome()
    {
        Assert.Equal(HostileEvents.Names, HostileEvents.Described.Order(StringComparer.Ordinal));
        Assert.All(HostileEvents.Names, name => Assert.Contains(HostileEvents.Expected(name).Outcome, new[] { HostileExpectation.Error, HostileExpectation.Ignored }));
        Assert.All(HostileEvents.Names.Where(name => HostileEvents.Expected(name).Outcome == HostileExpectation.Error),
            name => Assert.False(string.IsNullOrEmpty(HostileEvents.Expected(name).Message), name + " expects an error but no message"));
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task HandleAsync_HostileEvent_ClearErrorOrLoggedNoOpAndNothingChanged(string name)
    {
        await _service.IsolateAsync(new IsolationRequest(IsolatedInstanceId, RequestedBy: "tester"), CancellationToken.None);
        _cloud.Calls.Clear();
        var expected = HostileEvents.Expected(name);
        var processor = new IsolationEventProcessor(FakeAccounts.Router(FakeAccounts.Services(_service, _cloud)), _settings, _log);
        var json = HostileEvents.Load(name, InstanceId, IsolatedInstanceId);

        if (expected.Outcome == HostileExpectation.Error)
        {
            var error = await Assert.ThrowsAsync<InvalidEventException>(() => processor.HandleAsync(json, CancellationToken.None));
            Assert.Contains(expected.Message!, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(error.Message, char.IsControl);
            Assert.InRange(error.Message.Length, 10, 500);
        }
        else
        {
            var result = await processor.HandleAsync(json, CancellationToken.None);
            Assert.Equal("ignored", result.Action);
            Assert.Contains(_log.Lines, line => line.EventId.Id == IgnoredEventId);
        }

        Assert.Empty(_cloud.Mutations);
        Assert.Null(_cloud.StoredRecord(InstanceId));
        Assert.Equal(IsolationStatus.Isolated, _cloud.StoredRecord(IsolatedInstanceId)!.Status);
    }
}
