using Ec2Isolation.Core;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Reliability;

/// <summary>
/// A call that keeps failing, for every mutating call of the widest isolation in turn (a refusal no retry changes:
/// 403 UnauthorizedOperation / AccessDenied): the run fails loudly at that call's step, the record read back from
/// DynamoDB says exactly which steps completed, a network once contained is never reopened, and a rerun without the
/// fault finishes the job.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class PersistentFaultTests(MotoServer moto) : ReliabilityTests(moto)
{
    public static TheoryData<string> FaultPoints() => [.. IsolationCalls.Mutations.Select(call => call.Name)];

    [Theory]
    [MemberData(nameof(FaultPoints))]
    public async Task Isolate_CallRefusedEveryTime_FailsAtItsStepRecordsWhatHeldAndRerunFinishes(string name)
    {
        var call = IsolationCalls.Mutation(name);
        var before = await Scenario.Account.EniGroupsAsync(Scenario.Instance.Instance);
        Scenario.Proxy.Rule = FaultRules.Always(call.Matches, AwsErrors.AccessDenied(call.IamAction.Split(':')[0]));

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => Scenario.IsolateAsync("tester"));

        Assert.Equal(call.Step, error.FailedStep);
        Assert.Contains($"'{call.Step}' failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("Run isolate again", error.Message, StringComparison.Ordinal);
        var record = (await Scenario.Account.ReadRecordAsync(Scenario.Instance.InstanceId))!;
        // Changed with issue 14: after the network, every other step runs whatever this one's failure.
        Assert.Equal(
            call.Step == StepNames.Network ? [] : IsolationCalls.Steps.Where(step => step != call.Step),
            record.CompletedSteps);
        Assert.Equal([call.Step!], record.FailedSteps.Keys);
        Assert.Equal((IsolationStatus.Isolating, call.Step), (record.Status, record.FailedStep));
        Assert.NotNull(record.LastError);
        Assert.Null(record.LeaseOwner);
        var after = await Scenario.Account.EniGroupsAsync(Scenario.Instance.Instance);
        if (call.Step == StepNames.Network)
        {
            // Not contained yet: each ENI still has its own groups, or already the quarantine group alone.
            var quarantine = record.Artifacts.QuarantineGroupId;
            Assert.All(before.Zip(after), pair => Assert.True(pair.First.SequenceEqual(pair.Second) || (quarantine is not null && pair.Second.SequenceEqual([quarantine]))));
            Assert.Contains("The network is NOT yet contained.", error.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.All(after, groups => Assert.Equal([record.Artifacts.QuarantineGroupId!], groups));
            Assert.Contains("The network is contained.", error.Message, StringComparison.Ordinal);
        }

        Scenario.Proxy.Rule = _ => null;
        var rerun = await Scenario.IsolateAsync("tester");

        Assert.Equal(IsolationOutcome.Isolated, rerun.Outcome);
        Assert.Equal(IsolationCalls.Steps.Order(), rerun.Record.CompletedSteps.Order());
        Assert.All(await Scenario.Account.EniGroupsAsync(Scenario.Instance.Instance), groups => Assert.Equal([rerun.Record.Artifacts.QuarantineGroupId!], groups));
        AssertNetworkNeverReopened(rerun.Record.Artifacts.QuarantineGroupId!);
    }

    /// <summary>
    /// From the proxy's log of both runs: once an ENI was moved into the quarantine group, no request ever moved it
    /// to another group.
    /// </summary>
    private void AssertNetworkNeverReopened(string quarantineGroupId)
    {
        var moves = Scenario.Proxy.Seen
            .Where(seen => seen.Fault is null && seen.Request.IamAction == "ec2:ModifyNetworkInterfaceAttribute")
            .Select(seen => (Eni: seen.Request.Parameter("NetworkInterfaceId"), Group: seen.Request.Parameter("SecurityGroupId.1")))
            .ToList();
        Assert.NotEmpty(moves);
        foreach (var eni in Scenario.Instance.Instance.NetworkInterfaceIds)
        {
            var groups = moves.Where(move => move.Eni == eni).Select(move => move.Group).ToList();
            Assert.All(groups.SkipWhile(group => group != quarantineGroupId), group => Assert.Equal(quarantineGroupId, group));
        }
    }

    [Fact]
    public async Task Isolate_MoveIntoQuarantineRefused_NoEniLeftInTheAllTrafficGroup()
    {
        // Per ENI: the first move (into the all-traffic group) goes through, the second (into quarantine) is refused,
        // and the third (back to its own groups) goes through.
        var moves = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var refusal = AwsErrors.AccessDenied("ec2");
        Scenario.Proxy.Rule = request => request.IamAction == "ec2:ModifyNetworkInterfaceAttribute"
            && moves.AddOrUpdate(request.Parameter("NetworkInterfaceId")!, 1, (_, count) => count + 1) == 2 ? refusal : null;
        var allTraffic = Scenario.Account.Settings.AllTrafficGroupName;

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => Scenario.IsolateAsync("tester"));

        Assert.Equal(StepNames.Network, error.FailedStep);
        var allTrafficId = (await Scenario.Account.GroupAsync(allTraffic)).GroupId;
        Assert.All(await Scenario.Account.EniGroupsAsync(Scenario.Instance.Instance), groups => Assert.DoesNotContain(allTrafficId, groups));
    }
}
