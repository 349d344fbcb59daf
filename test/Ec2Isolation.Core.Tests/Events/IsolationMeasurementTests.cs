using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Metrics;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Events;

/// <summary>The measurement line (event 2010) each isolation run logs, with the engine over the fake cloud (docs/metrics.md).</summary>
public sealed class IsolationMeasurementTests
{
    private const string InstanceId = "i-0123456789abcdef0";

    /// <summary>The sample tag event happened at 10:00:00; the run starts 5 s later.</summary>
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 5, TimeSpan.Zero));
    private readonly FakeCloud _cloud = new();
    private readonly IsolationSettings _settings = new() { TableName = "records", IsolationInstanceProfile = FakeCloud.IsolationProfileArn };
    private readonly RecordingLogger<IsolationEventProcessor> _logger = new();
    private readonly ThrottleCounter _throttles = new();

    public IsolationMeasurementTests()
    {
        _cloud.AddInstance(InstanceId, "vpc-1").Tags["ec2-isolation"] = "isolate";
        // The snapshots, after the network, take 10 s and meet EC2's throttling once.
        _cloud.BeforeCall = call =>
        {
            if (call == "CreateSnapshots")
            {
                _throttles.Throttled(call);
                _time.Advance(TimeSpan.FromSeconds(10));
            }
        };
    }

    private IsolationEventProcessor CreateSut() =>
        new(FakeAccounts.Router(FakeAccounts.Services(FakeAccounts.Service(_cloud, _settings, _time), _cloud)), _settings, _logger, _throttles, _time);

    private IReadOnlyDictionary<string, object?> Measured() => _logger.Lines.Last(line => line.EventId.Id == 2010).Properties;

    [Fact]
    public async Task HandleAsync_TagChangeIsolated_TimesFromTheEventToTheNetworkAndToTheEnd()
    {
        await CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.TagChange), CancellationToken.None);

        var measured = Measured();
        Assert.Equal(("tag-change", "isolated", 1, 1), (measured["Trigger"], measured["Outcome"], measured["Isolations"], measured["ThrottledCalls"]));
        Assert.Equal((5000.0, 15000.0), (measured["TimeToContainment"], measured["TimeToIsolation"]));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 0, 5, TimeSpan.Zero), _cloud.StoredRecord(InstanceId)!.NetworkContainedAt);
    }

    [Fact]
    public async Task HandleAsync_StepAfterTheNetworkFailsThenTheRetryCompletes_ContainmentMeasuredOnceByTheRunThatContained()
    {
        var snapshots = _cloud.BeforeCall;
        _cloud.BeforeCall = call =>
        {
            if (call == "CreateSnapshots")
            {
                throw new InvalidOperationException("snapshot quota");
            }
        };

        await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.TagChange), CancellationToken.None));
        var failed = Measured();
        // Lambda retries a failed invocation a minute later or more.
        _time.Advance(TimeSpan.FromMinutes(1));
        _cloud.BeforeCall = snapshots;
        await CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.TagChange), CancellationToken.None);
        var retried = Measured();

        Assert.Equal(("incomplete", 5000.0, null), (failed["Outcome"], failed["TimeToContainment"], failed["TimeToIsolation"]));
        Assert.Equal(("isolated", null, 75000.0), (retried["Outcome"], retried["TimeToContainment"], retried["TimeToIsolation"]));
    }

    [Fact]
    public async Task HandleAsync_EventWithoutTime_IsolatedAndCountedButNotTimed()
    {
        var untimed = SampleEvents.Load(SampleEvents.TagChange).Replace("\"time\": \"2026-11-25T10:00:00Z\",", string.Empty, StringComparison.Ordinal);

        var result = await CreateSut().HandleAsync(untimed, CancellationToken.None);

        Assert.Equal("isolated", result.Action);
        Assert.Equal(("isolated", null, null), (Measured()["Outcome"], Measured()["TimeToContainment"], Measured()["TimeToIsolation"]));
    }
}
