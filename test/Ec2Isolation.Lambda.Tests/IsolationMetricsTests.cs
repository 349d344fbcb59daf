using System.Text;
using System.Text.Json;
using Ec2Isolation.Core;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Metrics;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Replacement;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace Ec2Isolation.Lambda.Tests;

/// <summary>
/// The per-isolation metrics as the function writes them (docs/metrics.md): the host in process, with the composition
/// root's event processor and JSON log, a fake clock, and an isolation engine that takes known times and meets known throttling.
/// </summary>
[Collection(LoopTests.Name)]
public sealed class IsolationMetricsTests : IAsyncDisposable
{
    private const string FunctionName = "ec2-isolation-fn";
    private const string InstanceId = "i-0123456789abcdef0";

    /// <summary>The sample tag event's time.</summary>
    private static readonly DateTimeOffset EventTime = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(EventTime.AddSeconds(2));
    private readonly MemoryStream _logs = new();
    private readonly LambdaRuntimeStandIn _standIn;
    private readonly Mock<IIsolationService> _isolation = new();

    /// <summary>The counter the host's event processor measures with: the engine's fake reports its throttling to it.</summary>
    private readonly ThrottleCounter _throttles = new();

    public IsolationMetricsTests() => _standIn = LambdaRuntimeStandIn.Start(_time);

    public async ValueTask DisposeAsync()
    {
        await _standIn.DisposeAsync();
        await _logs.DisposeAsync();
    }

    [Fact]
    public async Task TagChange_Isolated_OneValidEmbeddedMetricDocumentWithTheRunsTimesOutcomeAndThrottling()
    {
        _isolation.Setup(i => i.IsolateAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>())).Returns(() =>
        {
            var record = SampleRecords.Record(InstanceId);
            _time.Advance(TimeSpan.FromSeconds(1.5));
            record.NetworkContainedAt = _time.GetUtcNow();
            _throttles.Throttled("ModifyInstanceAttribute");
            _throttles.Throttled("ModifyInstanceAttribute");
            _time.Advance(TimeSpan.FromSeconds(3));
            record.IsolatedAt = _time.GetUtcNow();
            return Task.FromResult(new IsolationResult(IsolationOutcome.Isolated, record, "isolated"));
        });

        var line = await MeasuredLineAsync();

        Assert.Empty(EmbeddedMetricDocument.Problems(line));
        Assert.Equal(
            (_time.GetUtcNow().ToUnixTimeMilliseconds(), FunctionName, "tag-change", "isolated", InstanceId),
            (line.GetProperty("_aws").GetProperty("Timestamp").GetInt64(), line.GetProperty("FunctionName").GetString(), line.GetProperty("Trigger").GetString(),
                line.GetProperty("Outcome").GetString(), line.GetProperty("InstanceId").GetString()));
        Assert.Equal((3500, 6500, 2, 1), (
            line.GetProperty("TimeToContainment").GetDouble(), line.GetProperty("TimeToIsolation").GetDouble(),
            line.GetProperty("ThrottledCalls").GetInt32(), line.GetProperty("Isolations").GetInt32()));
        var times = EmbeddedMetricDocument.DirectiveOf(line, IsolationMetricNames.TimeToContainment);
        Assert.Equal(["FunctionName", "FunctionName,Trigger"], EmbeddedMetricDocument.DimensionSets(times));
        Assert.Equal(("Milliseconds", "Milliseconds", "Count"), (
            EmbeddedMetricDocument.UnitOf(times, IsolationMetricNames.TimeToContainment), EmbeddedMetricDocument.UnitOf(times, IsolationMetricNames.TimeToIsolation),
            EmbeddedMetricDocument.UnitOf(times, IsolationMetricNames.ThrottledCalls)));
        var count = EmbeddedMetricDocument.DirectiveOf(line, IsolationMetricNames.Isolations);
        Assert.Equal(["FunctionName", "FunctionName,Outcome"], EmbeddedMetricDocument.DimensionSets(count));
        Assert.Equal("Ec2Isolation", count.GetProperty("Namespace").GetString());
    }

    [Fact]
    public async Task TagChange_IncompleteAfterTheNetwork_CountedIncompleteWithTimeToContainmentOnly()
    {
        _isolation.Setup(i => i.IsolateAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>())).Returns(() =>
        {
            var record = SampleRecords.Record(InstanceId, Core.Model.IsolationStatus.Isolating);
            _time.Advance(TimeSpan.FromSeconds(1));
            record.NetworkContainedAt = _time.GetUtcNow();
            throw new IsolationFailedException("snapshots failed", "snapshots", new InvalidOperationException("throttled"))
            {
                Result = new IsolationResult(IsolationOutcome.Incomplete, record, "incomplete"),
            };
        });

        var line = await MeasuredLineAsync();

        Assert.Empty(EmbeddedMetricDocument.Problems(line));
        Assert.Equal(("incomplete", 3000), (line.GetProperty("Outcome").GetString(), line.GetProperty("TimeToContainment").GetDouble()));
        Assert.Equal(JsonValueKind.Null, line.GetProperty("TimeToIsolation").ValueKind);
        Assert.DoesNotContain(
            EmbeddedMetricDocument.DirectiveOf(line, IsolationMetricNames.TimeToContainment).GetProperty("Metrics").EnumerateArray(),
            m => m.GetProperty("Name").GetString() == IsolationMetricNames.TimeToIsolation);
    }

    [Fact]
    public async Task TagChange_RetryOfARunThatContainedTheNetworkBefore_NoSecondTimeToContainment()
    {
        _isolation.Setup(i => i.IsolateAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>())).Returns(() =>
        {
            // The failed run contained it a second before this run started.
            var record = SampleRecords.Record(InstanceId);
            record.NetworkContainedAt = _time.GetUtcNow().AddSeconds(-1);
            _time.Advance(TimeSpan.FromSeconds(2));
            record.IsolatedAt = _time.GetUtcNow();
            return Task.FromResult(new IsolationResult(IsolationOutcome.Isolated, record, "isolated"));
        });

        var line = await MeasuredLineAsync();

        Assert.Equal((JsonValueKind.Null, 4000), (line.GetProperty("TimeToContainment").ValueKind, line.GetProperty("TimeToIsolation").GetDouble()));
        Assert.Empty(EmbeddedMetricDocument.Problems(line));
    }

    [Fact]
    public void Problems_MetricWithoutNumericMemberAndTimestampInSeconds_BothNamed()
    {
        var line = JsonDocument.Parse("""
            {"FunctionName":"f","Isolations":"1","_aws":{"Timestamp":1700000000,"CloudWatchMetrics":[
              {"Namespace":"Ec2Isolation","Dimensions":[["FunctionName"]],"Metrics":[{"Name":"Isolations","Unit":"Count"}]}]}}
            """).RootElement;

        Assert.Equal(2, EmbeddedMetricDocument.Problems(line).Count);
    }

    /// <summary>Serves the sample tag event to the host and returns its one measurement line (event 2010).</summary>
    private async Task<JsonElement> MeasuredLineAsync()
    {
        var router = new Mock<IAccountRouter>();
        var services = new AccountServices(_isolation.Object, Mock.Of<IEc2Api>(), Mock.Of<IReplacementService>(), Mock.Of<Ec2Isolation.Core.Scanning.IReplacementScanner>(), Mock.Of<ILoadBalancingApi>(), Mock.Of<IClassicLoadBalancingApi>());
        router.Setup(r => r.ForAsync(It.IsAny<string>(), It.IsAny<string?>(), It.IsAny<CancellationToken>())).ReturnsAsync(services);
        var environment = new Dictionary<string, string?>
        {
            ["AWS_REGION"] = "us-east-1",
            ["EC2ISOLATION_TABLE"] = "isolation",
            ["AWS_LAMBDA_FUNCTION_NAME"] = FunctionName,
        };
        using var runtime = new Ec2Isolation.Lambda.Runtime.LambdaRuntimeApiClient(_standIn.Endpoint);
        using var stopping = new CancellationTokenSource();
        var host = LambdaHost.RunAsync(runtime, name => environment.GetValueOrDefault(name), _logs, _time, stopping.Token, collection => collection
            .AddSingleton(router.Object)
            .AddSingleton(_throttles));

        await _standIn.WaitForOutcomeAsync(_standIn.Enqueue(SampleEvents.Load(SampleEvents.TagChange, InstanceId)));
        await stopping.CancelAsync();
        await host.WaitAsync(TimeSpan.FromSeconds(10));
        return Assert.Single(
            TestData.JsonLines(Encoding.UTF8.GetString(_logs.ToArray())),
            line => line.TryGetProperty("eventId", out var id) && id.GetInt32() == 2010);
    }
}
