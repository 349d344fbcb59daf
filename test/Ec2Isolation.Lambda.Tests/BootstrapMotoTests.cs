using System.Text.Json;
using Amazon.EC2.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Lambda.Tests;

/// <summary>One moto server for the integration tests of this assembly.</summary>
[CollectionDefinition(MotoTests.Collection)]
public sealed class MotoFixture : ICollectionFixture<MotoServer>;

/// <summary>
/// The real Native AOT bootstrap, served events by a local Runtime API stand-in, isolating instances in moto: every kind
/// of event, duplicates, concurrency across several function instances, and a deadline that strikes mid-isolation.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
[Trait("Category", "Aot")]
public sealed class BootstrapMotoTests(MotoServer moto) : IAsyncLifetime
{
    private readonly LambdaRuntimeStandIn _runtime = LambdaRuntimeStandIn.Start();
    private readonly List<BootstrapProcess> _functions = [];
    private MotoAccount _account = null!;

    public async Task InitializeAsync() => _account = await MotoAccount.CreateAsync(moto);

    public async Task DisposeAsync()
    {
        foreach (var function in _functions)
        {
            await function.DisposeAsync();
        }

        await _runtime.DisposeAsync();
        _account.Dispose();
    }

    [Fact]
    public async Task TagChange_DeliveredTwice_IsolatesOnceAndSecondIsANoOp()
    {
        await StartFunctionsAsync(1);
        var instance = await RunInstanceAsync();
        await _account.Network.ApplyTriggerTagAsync(instance);
        var tagEvent = SampleEvents.Load(SampleEvents.TagChange, instance);

        var first = await InvokeAsync(tagEvent);
        var second = await InvokeAsync(tagEvent);

        Assert.Equal("isolated", first.GetProperty("action").GetString());
        Assert.Equal("already-isolated", second.GetProperty("action").GetString());
        await AssertQuarantinedAsync(instance);
    }

    [Fact]
    public async Task GuardDutyFinding_ThenItsTagEventAndARepublication_OneIsolationWithTheFindingRecorded()
    {
        await StartFunctionsAsync(1);
        var instance = await RunInstanceAsync();
        var finding = SampleEvents.Load(SampleEvents.GuardDutyFinding, instance);

        var isolated = await InvokeAsync(finding);
        var tagEvent = await InvokeAsync(SampleEvents.Load(SampleEvents.TagChange, instance));
        var republished = await InvokeAsync(finding);

        Assert.Equal(("isolated", "already-isolated", "already-handled"), (
            isolated.GetProperty("action").GetString(), tagEvent.GetProperty("action").GetString(), republished.GetProperty("action").GetString()));
        var record = await _account.CreateService().GetStatusAsync(instance, CancellationToken.None);
        Assert.Contains("7ac3a7bd5ed6ec35a4bbd3d9a7a2a0b1", record!.FindingIds);
        var tags = (await _account.Ec2.DescribeTagsAsync(new DescribeTagsRequest { Filters = [new("resource-id", [instance])] })).Tags;
        Assert.Contains(tags, tag => tag.Key == "ec2-isolation" && tag.Value == "isolate");
    }

    [Fact]
    public async Task Sweep_TaggedInstanceWhoseEventWasLost_IsIsolated()
    {
        await StartFunctionsAsync(1);
        var instance = await RunInstanceAsync();
        await _account.Ec2.CreateTagsAsync(new() { Resources = [instance], Tags = [new("ec2-isolation", "isolate")] });

        var sweep = await InvokeAsync(SampleEvents.Load(SampleEvents.ScheduledSweep));

        Assert.Equal("swept", sweep.GetProperty("action").GetString());
        Assert.Equal("isolated", sweep.GetProperty("instances")[0].GetProperty("outcome").GetString());
        await AssertQuarantinedAsync(instance);
    }

    [Fact]
    public async Task MalformedEvent_ErrorResponseAndNothingChanged()
    {
        await StartFunctionsAsync(1);
        await moto.StartRecordingAsync();

        var requestId = _runtime.Enqueue("""{"source": "aws.tag", "detail-type": """);
        var outcome = await _runtime.WaitForOutcomeAsync(requestId);

        Assert.True(outcome.IsError);
        Assert.Equal("InvalidEventException", outcome.ErrorTypeHeader);
        Assert.Contains("not valid JSON", outcome.Body, StringComparison.Ordinal);
        Assert.Empty(RequestLog.Parse(await moto.StopRecordingAsync()));
        // The function keeps serving.
        Assert.Equal("ignored", (await InvokeAsync(SampleEvents.Load(SampleEvents.TagChange, "i-0000000000000000f").Replace("isolate\"", "no\"", StringComparison.Ordinal))).GetProperty("action").GetString());
    }

    [Fact]
    public async Task ManyEventsForOneNewVpcAtOnce_ThreeFunctionInstances_EachIsolatedOnceWithOneSetOfGroups()
    {
        await StartFunctionsAsync(3);
        var instances = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            instances.Add(await RunInstanceAsync());
            await _account.Network.ApplyTriggerTagAsync(instances[^1]);
        }

        // Every event twice, as at-least-once delivery may.
        var requests = instances.Concat(instances).Select(id => _runtime.Enqueue(SampleEvents.Load(SampleEvents.TagChange, id))).ToList();
        var outcomes = await Task.WhenAll(requests.Select(id => _runtime.WaitForOutcomeAsync(id, TimeSpan.FromMinutes(2))));

        Assert.All(outcomes, outcome => Assert.False(outcome.IsError, outcome.Body));
        var actions = outcomes.Select(o => JsonDocument.Parse(o.Body).RootElement.GetProperty("action").GetString()).ToList();
        Assert.Equal(6, actions.Count(a => a == "isolated"));
        Assert.All(actions, a => Assert.Contains(a, new[] { "isolated", "already-isolated", "busy" }));
        var groups = await _account.Ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new("vpc-id", [_account.Network.VpcId])] });
        Assert.Single(groups.SecurityGroups, g => g.GroupName == "ec2-isolation-quarantine");
        Assert.Single(groups.SecurityGroups, g => g.GroupName == "ec2-isolation-all-traffic");
        foreach (var instance in instances)
        {
            await AssertQuarantinedAsync(instance);
        }
    }

    [Fact]
    public async Task DeadlineStrikesMidIsolation_RecordSaysWhereAndTheRetryCompletes()
    {
        // Snapshots come after the network; delayed past the deadline, the run is cancelled there.
        await using var proxy = FaultProxy.Start(moto.EndpointUrl);
        proxy.Rule = request => request.Action == "CreateSnapshots" ? new Fault.Delay(TimeSpan.FromSeconds(6)) : null;
        await StartFunctionsAsync(1, proxy.Endpoint);
        var instance = await RunInstanceAsync();
        await _account.Network.ApplyTriggerTagAsync(instance);
        var tagEvent = SampleEvents.Load(SampleEvents.TagChange, instance);

        var timedOut = await _runtime.WaitForOutcomeAsync(_runtime.Enqueue(tagEvent, timeout: TimeSpan.FromSeconds(5)));

        Assert.True(timedOut.IsError);
        var record = await _account.CreateService().GetStatusAsync(instance, CancellationToken.None);
        Assert.Equal("snapshots", record!.FailedStep);
        Assert.Contains("network", record.CompletedSteps);
        Assert.Null(record.LeaseOwner);
        await AssertQuarantinedAsync(instance);

        proxy.Rule = _ => null;
        var retry = await InvokeAsync(tagEvent);

        Assert.Equal("isolated", retry.GetProperty("action").GetString());
        Assert.Equal(14, (await _account.CreateService().GetStatusAsync(instance, CancellationToken.None))!.CompletedSteps.Count);
    }

    /// <summary>
    /// Throttled EC2 answers met by the evidence steps are retried, and counted in the run's measurement line, a valid
    /// embedded metric format document with the times from the event (docs/metrics.md).
    /// </summary>
    [Fact]
    public async Task TagChange_EvidenceCallsThrottled_MeasurementLineCountsEachThrottledAttempt()
    {
        await using var proxy = FaultProxy.Start(moto.EndpointUrl);
        var throttled = 0;
        proxy.Rule = request => request.Action == "ModifyInstanceAttribute" && Interlocked.Increment(ref throttled) <= 3 ? Fault.Throttling : null;
        await StartFunctionsAsync(1, proxy.Endpoint);
        var instance = await RunInstanceAsync();
        await _account.Network.ApplyTriggerTagAsync(instance);
        var eventTime = TimeProvider.System.GetUtcNow().AddSeconds(-1);
        var tagEvent = SampleEvents.Load(SampleEvents.TagChange, instance)
            .Replace("2026-11-25T10:00:00Z", eventTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var result = await InvokeAsync(tagEvent);
        var elapsed = TimeProvider.System.GetUtcNow() - eventTime;

        Assert.Equal("isolated", result.GetProperty("action").GetString());
        var line = await MeasurementLineAsync(_functions[0]);
        Assert.Empty(EmbeddedMetricDocument.Problems(line));
        Assert.Equal(("tag-change", "isolated", 3, "ec2-isolation-fn"), (
            line.GetProperty("Trigger").GetString(), line.GetProperty("Outcome").GetString(), line.GetProperty("ThrottledCalls").GetInt32(),
            line.GetProperty("FunctionName").GetString()));
        var toContainment = line.GetProperty("TimeToContainment").GetDouble();
        var toIsolation = line.GetProperty("TimeToIsolation").GetDouble();
        Assert.InRange(toContainment, 0, toIsolation);
        Assert.InRange(toIsolation, toContainment, elapsed.TotalMilliseconds + 1000);
    }

    private async Task StartFunctionsAsync(int count, string? endpoint = null)
    {
        for (var i = 0; i < count; i++)
        {
            var environment = MotoEnvironment.For(endpoint ?? moto.EndpointUrl);
            environment["AWS_LAMBDA_FUNCTION_NAME"] = "ec2-isolation-fn";
            _functions.Add(await BootstrapProcess.StartAsync(_runtime, environment));
        }
    }

    /// <summary>The function's one measurement line (event 2010), once its output has been read.</summary>
    private static async Task<JsonElement> MeasurementLineAsync(BootstrapProcess function)
    {
        for (var wait = 0; wait < 100; wait++)
        {
            var lines = function.Lines.Where(line => line.StartsWith('{')).Select(line => JsonDocument.Parse(line).RootElement.Clone())
                .Where(line => line.TryGetProperty("eventId", out var id) && id.GetInt32() == 2010).ToList();
            if (lines.Count > 0)
            {
                return Assert.Single(lines);
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException("The function logged no measurement line.");
    }

    private async Task<string> RunInstanceAsync() =>
        (await _account.Network.RunInstanceAsync([await _account.Network.CreateGroupAsync("app-" + Guid.NewGuid().ToString("N")[..8])])).InstanceId;

    private async Task<JsonElement> InvokeAsync(string eventJson)
    {
        var outcome = await _runtime.WaitForOutcomeAsync(_runtime.Enqueue(eventJson), TimeSpan.FromMinutes(1));
        Assert.False(outcome.IsError, outcome.Body);
        return JsonDocument.Parse(outcome.Body).RootElement;
    }

    private async Task AssertQuarantinedAsync(string instanceId)
    {
        var quarantine = (await _account.Ec2.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest { Filters = [new("group-name", ["ec2-isolation-quarantine"])] }))
            .SecurityGroups.Single().GroupId;
        var instance = (await _account.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] })).Reservations[0].Instances[0];
        var enis = await _account.Ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest
        {
            NetworkInterfaceIds = [.. instance.NetworkInterfaces.Select(eni => eni.NetworkInterfaceId)],
        });
        Assert.All(enis.NetworkInterfaces, eni => Assert.Equal([quarantine], eni.Groups.Select(g => g.GroupId)));
    }
}
