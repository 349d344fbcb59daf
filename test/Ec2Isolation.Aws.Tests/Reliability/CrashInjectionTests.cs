using System.Collections.Concurrent;
using System.Diagnostics;
using Amazon.EC2.Model;
using Ec2Isolation.Aws.Query;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Reliability;

/// <summary>
/// The real ec2-isolation program killed (SIGKILL: no handler runs, nothing is recorded on the way out) as it sends the
/// first request of each step, and at three points inside a step; the killed request never reaches AWS. The record then
/// says which steps completed and holds the dead run's lease; once the lease has expired, the next run finishes the
/// isolation from the record, and <c>release</c> afterwards restores the original configuration exactly.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class CrashInjectionTests(MotoServer moto) : ReliabilityTests(moto)
{
    /// <summary>Inside the network step: every ENI is in the all-traffic group, none yet in quarantine.</summary>
    private const string BetweenNetworkMoves = "network: between the all-traffic and the quarantine moves";

    /// <summary>
    /// Inside the instance-profile step, as it reads the rest of the original configuration (profile, protection, Auto
    /// Scaling, targets) right after the network step: the network is contained, none of the rest is recorded or changed.
    /// </summary>
    private const string BeforeAttachmentsRecorded = "instance-profile: before the attachments are recorded";

    /// <summary>Inside credential revocation: the policy's name is recorded, the policy not yet written.</summary>
    private const string BeforeRevocationPolicy = "credential-revocation: before CreatePolicy";

    /// <summary>The shortest lease the settings allow: runs of the program are not held up long if a test changes.</summary>
    private static readonly Dictionary<string, string?> ShortLease = new(StringComparer.Ordinal) { ["EC2ISOLATION_LEASE_SECONDS"] = "30" };

    /// <summary>Each step (killed as it starts), then the three points inside a step.</summary>
    public static TheoryData<string> CrashPoints() =>
        [.. IsolationCalls.StepOpenings.Select(call => call.Step!), BetweenNetworkMoves, BeforeAttachmentsRecorded, BeforeRevocationPolicy];

    [Theory]
    [MemberData(nameof(CrashPoints))]
    public async Task Isolate_ProcessKilledAtAPoint_NextRunAfterTheLeaseFinishesAndReleaseRestoresExactly(string point)
    {
        var instance = Scenario.Instance.Instance;
        var before = await Scenario.Account.SnapshotAsync(instance);

        var crashed = await RunUntilKilledAsync(point);

        Assert.NotEqual(0, crashed.ExitCode);
        var record = (await Scenario.Account.ReadRecordAsync(instance.InstanceId))!;
        Assert.Equal(IsolationCalls.StepsBefore(StepOf(point)), record.CompletedSteps);
        Assert.Equal(IsolationStatus.Isolating, record.Status);
        // The rest of the original configuration is recorded before any of it changes: from the profile swap on, the record holds it.
        Assert.Equal(StepOf(point) is not (StepNames.Network or StepNames.NetworkAclCut), record.Original.Attachments is not null);
        Assert.NotNull(record.LeaseOwner);
        Assert.True(record.LeaseExpiresAt > TimeProvider.System.GetUtcNow(), "the dead run's lease still holds");

        // Within the lease, another run is turned away and changes nothing. Before the network step the instance shows
        // no isolation, so that run first tries to claim a new record: a write the existing record refuses.
        var mark = Scenario.Mark();
        var busy = await Scenario.RunCliAsync($"isolate {instance.InstanceId} -o json", ShortLease);
        Assert.Equal(3, busy.ExitCode);
        Assert.DoesNotContain(Scenario.Since(mark), seen => seen.Request.IsMutation && seen.Request.IamAction != "dynamodb:PutItem");
        var held = (await Scenario.Account.ReadRecordAsync(instance.InstanceId))!;
        Assert.Equal((record.Version, record.LeaseOwner), (held.Version, held.LeaseOwner));

        // Time passes: the lease expires. The program runs in a process of its own, whose clock a test cannot move, so
        // the stored expiry moves into the past instead; the record is otherwise as the dead run left it.
        await Scenario.Account.RewriteLeaseExpiryAsync(instance.InstanceId, TimeProvider.System.GetUtcNow().AddSeconds(-1));
        var rerun = await Scenario.RunCliAsync($"isolate {instance.InstanceId} -o json", ShortLease);

        Assert.Equal((0, "Isolated"), (rerun.ExitCode, ReliabilityScenario.Json(rerun).GetProperty("outcome").GetString()));
        var isolated = (await Scenario.Account.ReadRecordAsync(instance.InstanceId))!;
        Assert.Equal(IsolationCalls.Steps, isolated.CompletedSteps);
        Assert.All(await Scenario.Account.EniGroupsAsync(instance), groups => Assert.Equal([isolated.Artifacts.QuarantineGroupId!], groups));
        var snapshots = await Scenario.Account.Ec2.DescribeSnapshotsAsync(new DescribeSnapshotsRequest
        {
            Filters = [new("tag:ec2-isolation:instance-id", [instance.InstanceId])],
        });
        Assert.Equal(isolated.Original.Volumes.Count, snapshots.Snapshots.Count);

        var release = await Scenario.RunCliAsync($"release {instance.InstanceId} -o json", ShortLease);

        Assert.Equal((0, "Released"), (release.ExitCode, ReliabilityScenario.Json(release).GetProperty("outcome").GetString()));
        Assert.Equal(before, await Scenario.Account.SnapshotAsync(instance));
        var role = await Scenario.Account.QueryAsync(QueryService.Iam, "GetRole", new KeyValuePair<string, string>("RoleName", MotoAccount.AppRole));
        Assert.Null(role.Child("Role")!.Child("PermissionsBoundary"));
    }

    /// <summary>
    /// Runs <c>isolate</c> through the proxy, which kills the program when the first request of <paramref name="point"/>
    /// arrives, and answers that request and any later one with an error without forwarding it.
    /// </summary>
    private async Task<ProgramRun> RunUntilKilledAsync(string point)
    {
        var matches = KillAt(point);
        var program = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        var killed = 0;
        Scenario.Proxy.Rule = request =>
        {
            if (Volatile.Read(ref killed) == 0 && matches(request) && Interlocked.CompareExchange(ref killed, 1, 0) == 0)
            {
                program.Task.GetAwaiter().GetResult().Kill();
            }

            return Volatile.Read(ref killed) == 1 ? Fault.InternalError : null;
        };

        var run = await Scenario.RunCliAsync($"isolate {Scenario.InstanceId} --incident INC-CRASH -o json", ShortLease, program.SetResult);
        Assert.True(killed == 1, $"the run never reached '{point}': exit code {run.ExitCode}, {run.Error}");
        Scenario.Proxy.Rule = _ => null;
        return run;
    }

    /// <summary>Which request the program dies on: a new matcher per run (one of them counts).</summary>
    private static Func<RecordedRequest, bool> KillAt(string point)
    {
        switch (point)
        {
            case BetweenNetworkMoves:
                // The second move of an ENI is its move into quarantine; every first move (into all traffic) came before.
                var moved = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
                return request => request.IamAction == "ec2:ModifyNetworkInterfaceAttribute" && !moved.TryAdd(request.Parameter("NetworkInterfaceId")!, true);
            case BeforeAttachmentsRecorded:
                return request => request.IamAction == "ec2:DescribeInstanceAttribute";
            case BeforeRevocationPolicy:
                return IsolationCalls.Mutation("iam:CreatePolicy").Matches;
            default:
                return IsolationCalls.StepOpenings.Single(call => call.Step == point).Matches;
        }
    }

    private static string StepOf(string point) => point switch
    {
        BetweenNetworkMoves => StepNames.Network,
        BeforeAttachmentsRecorded => StepNames.NetworkAclCut,
        BeforeRevocationPolicy => StepNames.CredentialRevocation,
        _ => point,
    };
}
