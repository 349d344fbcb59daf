using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation.Planning;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Notifications;
using Ec2Isolation.Core.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ec2Isolation.Core.Isolation;

/// <summary>
/// Isolates and releases instances (IsolationService.Isolate.cs, IsolationService.Release.cs), applying or restoring
/// the steps through <see cref="StepRunner"/>. Reads the instance (and the record only when the instance shows an
/// isolation: a first isolation claims its new record with a write that fails, changing nothing, when one exists, and
/// only then reads it and the instance again), writes the record with the original network configuration while it
/// looks up the VPC's isolation groups, contains the network, then records the rest of the original configuration
/// before any step changes it; after the network every step runs whatever another's failure, each recorded as it
/// completes or fails, and nothing is ever undone on error: a failed run leaves a record that says what holds, and
/// the next run retries what failed. A request for a GuardDuty finding whose isolation completed or was released
/// changes nothing. Tags the request asks for go on only once the run has claimed the record, beside the network step.
/// Notifiers, when there are any, hear of the run in the background once the network is contained, and of its end;
/// they never delay a step.
/// </summary>
/// <param name="deadline">The invocation's deadline (Lambda), which no lease outlives; absent for the CLI.</param>
/// <param name="continuations">
/// Where EC2 evidence steps that EC2 throttles go once the network is contained (the function's continuation queue);
/// absent (the CLI), every step runs in the run, waiting out throttling.
/// </param>
public sealed partial class IsolationService(
    AwsApis apis,
    IEc2Api ec2PermissionProbe,
    ICallerIdentity caller,
    IsolationSettings settings,
    string region,
    TimeProvider time,
    ILogger<IsolationService> logger,
    IEnumerable<IIsolationNotifier>? notifiers = null,
    InvocationDeadline? deadline = null,
    IContinuationScheduler? continuations = null) : IIsolationService
{
    private readonly IIsolationNotifier[] _notifiers = [.. notifiers ?? []];

    public Task<IsolationResult> IsolateAsync(IsolationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return IsolateAsync(new Run(apis, logger, OnStep: null, Notices(request.Tampering), continuations), request, cancellationToken);
    }

    public Task<IsolationResult> ReleaseAsync(ReleaseRequest request, CancellationToken cancellationToken) =>
        ReleaseAsync(new Run(apis, logger, OnStep: null, Notices()), request, cancellationToken);

    public async Task<IsolationPlan> PlanIsolationAsync(IsolationRequest request, CancellationToken cancellationToken)
    {
        var recorder = new PlanRecorder(apis, ec2PermissionProbe);
        var result = await IsolateAsync(PlanRun(recorder), request, cancellationToken);
        return recorder.ToPlan(request.InstanceId, "isolate", result);
    }

    public async Task<IsolationPlan> PlanReleaseAsync(ReleaseRequest request, CancellationToken cancellationToken)
    {
        var recorder = new PlanRecorder(apis, ec2PermissionProbe);
        var result = await ReleaseAsync(PlanRun(recorder), request, cancellationToken);
        return recorder.ToPlan(request.InstanceId, "release", result);
    }

    public Task<IsolationRecord?> GetStatusAsync(string instanceId, CancellationToken cancellationToken) =>
        apis.Records.GetAsync(InstanceIds.Validate(instanceId), cancellationToken);

    public Task<IReadOnlyList<IsolationRecord>> ListAsync(CancellationToken cancellationToken) =>
        apis.Records.ListAsync(cancellationToken);

    /// <summary>One run: the AWS calls it makes, where it logs, who hears of each step (a plan), and its notices (none for a plan).</summary>
    private sealed record Run(AwsApis Apis, ILogger Logger, Action<string>? OnStep, NoticeDispatcher? Notices = null, IContinuationScheduler? Continuations = null);

    private NoticeDispatcher? Notices(TamperingCall? tampering = null) =>
        NoticeDispatcher.For(_notifiers, apis.Ec2, settings.StatusTagPrefix + "ticket", time, logger, NoticeTiming.DefaultTimeout, tampering);

    /// <summary>A plan runs the real steps against recording decorators, and logs nothing: it must not read like an isolation in the audit trail.</summary>
    private static Run PlanRun(PlanRecorder recorder) => new(recorder.Wrap(recorder.Apis), NullLogger.Instance, recorder.StartStep);

    /// <summary>How long the run's lease lasts: the configured duration, never past the invocation's deadline.</summary>
    private LeaseTerm LeaseTerm => new(settings.LeaseDuration, deadline?.Current);

    /// <summary>A failure while the run only reads says so: the caller must know that nothing was changed.</summary>
    private static async Task<T> BeforeAnyChangeAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception e) when (e is not (InvalidRequestException or IsolationBusyException or OperationCanceledException))
        {
            throw new InvalidOperationException(e.Message + " Nothing was changed.", e);
        }
    }

    /// <summary>Every line a run logs carries the instance id (JSON logs show scopes as fields).</summary>
    private static IDisposable? InstanceScope(ILogger log, string instanceId) =>
        log.BeginScope(new Dictionary<string, object> { ["InstanceId"] = instanceId });

    private RunContext NewContext(Run run, RecordLease lease, InstanceDescription instance, Task<IReadOnlyList<SecurityGroupInfo>>? isolationGroups = null) => new()
    {
        Apis = run.Apis,
        Settings = settings,
        Time = time,
        Logger = run.Logger,
        Lease = lease,
        Instance = instance,
        IsolationGroups = isolationGroups ?? Task.FromResult<IReadOnlyList<SecurityGroupInfo>>([]),
        Notices = run.Notices,
    };

    private static InstanceDescription RequireLiveInstance(InstanceDescription? instance, string instanceId) => instance switch
    {
        null => throw new InvalidRequestException($"Instance {instanceId} was not found in this account and region; nothing was changed."),
        { IsGone: true } => throw new InvalidRequestException($"Instance {instanceId} is {instance.State}; nothing was changed."),
        { VpcId: null } => throw new InvalidRequestException($"Instance {instanceId} is not in a VPC; nothing was changed."),
        _ => instance,
    };
}
