using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Reliability;

/// <summary>
/// Throttling, and a server error, on the first occurrence of each call of the widest isolation, one at a time, in a
/// fresh emulator state each: the engine over the real adapters (AWS SDK clients in standard retry mode, the signed
/// Query client with its own retries) through the fault proxy. Each time the call is retried and the isolation completes.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class TransientFaultTests(MotoServer moto) : ReliabilityTests(moto)
{
    private const string Throttling = "throttling";
    private const string ServerError = "server-error";

    /// <summary>Each call of <see cref="IsolationCalls.Distinct"/> with each kind of transient fault.</summary>
    public static TheoryData<string, string> FaultPoints()
    {
        var data = new TheoryData<string, string>();
        foreach (var call in IsolationCalls.Distinct)
        {
            data.Add(call, Throttling);
            data.Add(call, ServerError);
        }

        return data;
    }

    [Fact]
    public async Task Isolate_CleanRun_MakesExactlyTheCallsTheFaultTestsTry()
    {
        await Scenario.IsolateAsync();

        // As a set: reads run in parallel (before the record's first write, and again right after the network step).
        Assert.Equal(IsolationCalls.Distinct.Order(StringComparer.Ordinal), Scenario.Proxy.Seen.Select(seen => seen.Request.IamAction).Distinct().Order(StringComparer.Ordinal));
        Assert.All(Scenario.Proxy.Seen, seen => Assert.Null(seen.Fault));
    }

    [Theory]
    [MemberData(nameof(FaultPoints))]
    public async Task Isolate_TransientFaultOnFirstOccurrenceOfACall_RetriedAndIsolated(string call, string kind)
    {
        var service = call.Split(':')[0];
        Scenario.Proxy.Rule = FaultRules.OnFirst(request => request.IamAction == call, kind == Throttling ? AwsErrors.Throttling(service) : Fault.InternalError);

        var result = await Scenario.IsolateAsync();

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.Equal(IsolationCalls.Steps, result.Record.CompletedSteps);
        var quarantine = result.Record.Artifacts.QuarantineGroupId!;
        Assert.All(await Scenario.Account.EniGroupsAsync(Scenario.Instance.Instance), groups => Assert.Equal([quarantine], groups));
        var seen = Scenario.Proxy.Seen.ToList();
        var injected = Assert.Single(seen, s => s.Fault is not null);
        Assert.Equal(call, injected.Request.IamAction);
        // The same call again, after the fault, forwarded this time: the retry.
        Assert.Contains(seen.SkipWhile(s => s.Fault is null).Skip(1), s => s.Fault is null && FaultRules.SameCall(s.Request, injected.Request));
        Assert.Equal(IsolationStatus.Isolated, (await Scenario.Account.ReadRecordAsync(Scenario.Instance.InstanceId))!.Status);
    }
}
