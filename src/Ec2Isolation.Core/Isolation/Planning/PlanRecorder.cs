using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation.Planning;

/// <summary>
/// A dry run: the engine runs its real steps against decorators that let reads through, record every change instead
/// of making it, and ask EC2 (through an adapter in DryRun mode) whether each EC2 change would be permitted.
/// </summary>
internal sealed class PlanRecorder(AwsApis apis, IEc2Api ec2PermissionProbe)
{
    /// <summary>Ids the plan invents for resources it would create; calls naming them cannot be permission-checked.</summary>
    public const string PlannedIdPrefix = "planned-";

    private readonly List<PlannedCall> _calls = [];
    private readonly Lock _lock = new();
    private string _step = "record";

    public IEc2Api Probe { get; } = ec2PermissionProbe;

    /// <summary>The real APIs the plan reads through.</summary>
    public AwsApis Apis { get; } = apis;

    public void StartStep(string step) => _step = step;

    public AwsApis Wrap(AwsApis apis) => new(
        new PlanningEc2Api(apis.Ec2, this),
        new PlanningIamApi(apis.Iam, this),
        new PlanningAutoScalingApi(apis.AutoScaling, this),
        new PlanningLoadBalancingApi(apis.LoadBalancing, this),
        new PlanningRecordStore(apis.Records, this),
        new PlanningRoleRevocationStore(apis.RoleRevocations, this),
        new PlanningClassicLoadBalancingApi(apis.ClassicLoadBalancing, this));

    /// <summary>Records an EC2 change after asking EC2 DryRun whether it is permitted.</summary>
    public async Task Ec2Async(string action, string target, string detail, Func<Task> dryRun)
    {
        // The step that makes the call, not the one running when DryRun answers: a call made beside a step (the tags a
        // request asks for once the record is claimed) must not be counted in it.
        var step = _step;
        PermissionCheck permission;
        if ((target + detail).Contains(PlannedIdPrefix, StringComparison.Ordinal))
        {
            permission = PermissionCheck.DependsOnPlannedResource;
        }
        else
        {
            try
            {
                await dryRun();
                permission = PermissionCheck.Allowed;
            }
            catch (PermissionDeniedException)
            {
                permission = PermissionCheck.Denied;
            }
            catch (DryRunNotSupportedException)
            {
                permission = PermissionCheck.NotCheckable;
            }
        }

        Add(new PlannedCall(step, "ec2:" + action, target, detail, permission));
    }

    /// <summary>Records a change to a service that has no DryRun.</summary>
    public Task UncheckedAsync(string api, string target, string detail)
    {
        Add(new PlannedCall(_step, api, target, detail, PermissionCheck.NotCheckable));
        return Task.CompletedTask;
    }

    public IsolationPlan ToPlan(string instanceId, string action, IsolationResult result) => ToPlan(instanceId, action, result.Message);

    /// <param name="resultMessage">What the run said; the plan's message when it would change nothing.</param>
    public IsolationPlan ToPlan(string instanceId, string action, string resultMessage)
    {
        var denied = _calls.Count(call => call.Permission == PermissionCheck.Denied);
        var message = _calls.Count == 0
            ? resultMessage
            : $"Dry run: {action} would make {_calls.Count} change(s); nothing was changed."
              + (denied > 0 ? $" EC2 denied {denied} of them: fix the permissions first." : string.Empty);
        return new IsolationPlan(instanceId, action, [.. _calls], message);
    }

    private void Add(PlannedCall call)
    {
        lock (_lock)
        {
            _calls.Add(call);
        }
    }
}
