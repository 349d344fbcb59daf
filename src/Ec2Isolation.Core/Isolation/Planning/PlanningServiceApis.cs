using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation.Planning;

/// <summary>
/// IAM for a dry run: reads go to IAM, changes are recorded (IAM has no DryRun). The boundary documents and
/// attachments the plan writes are kept in memory and read back, as the boundary writer reads back what it wrote.
/// </summary>
internal sealed class PlanningIamApi(IIamApi iam, PlanRecorder plan) : IIamApi
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _documents = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string?> _boundaries = new();

    public Task<IReadOnlyList<string>> GetInstanceProfileRolesAsync(string instanceProfile, CancellationToken cancellationToken) =>
        iam.GetInstanceProfileRolesAsync(instanceProfile, cancellationToken);

    public async Task<string?> GetRolePermissionsBoundaryAsync(string roleName, CancellationToken cancellationToken) =>
        _boundaries.TryGetValue(roleName, out var planned) ? planned : await iam.GetRolePermissionsBoundaryAsync(roleName, cancellationToken);

    public async Task<string> GetDefaultPolicyDocumentAsync(string policyArn, CancellationToken cancellationToken) =>
        _documents.TryGetValue(PathAndName(policyArn), out var planned) ? planned : await iam.GetDefaultPolicyDocumentAsync(policyArn, cancellationToken);

    public Task<IReadOnlyList<PolicyVersion>> ListPolicyVersionsAsync(string policyArn, CancellationToken cancellationToken) =>
        iam.ListPolicyVersionsAsync(policyArn, cancellationToken);

    /// <summary>Recorded as created: the plan then writes its document as the policy's first version, as the run would.</summary>
    public async Task<bool> CreatePolicyAsync(string path, string policyName, string policyDocument, CancellationToken cancellationToken)
    {
        _documents[path + policyName] = policyDocument;
        await plan.UncheckedAsync("iam:CreatePolicy", path + policyName, policyDocument);
        return true;
    }

    public Task CreatePolicyVersionAsync(string policyArn, string policyDocument, CancellationToken cancellationToken)
    {
        _documents[PathAndName(policyArn)] = policyDocument;
        return plan.UncheckedAsync("iam:CreatePolicyVersion", policyArn, policyDocument);
    }

    public Task DeletePolicyVersionAsync(string policyArn, string versionId, CancellationToken cancellationToken) =>
        plan.UncheckedAsync("iam:DeletePolicyVersion", policyArn, versionId);

    public Task PutRolePermissionsBoundaryAsync(string roleName, string policyArn, CancellationToken cancellationToken)
    {
        _boundaries[roleName] = policyArn;
        return plan.UncheckedAsync("iam:PutRolePermissionsBoundary", roleName, policyArn);
    }

    public Task DeleteRolePermissionsBoundaryAsync(string roleName, CancellationToken cancellationToken)
    {
        _boundaries[roleName] = null;
        return plan.UncheckedAsync("iam:DeleteRolePermissionsBoundary", roleName, "the revocation boundary");
    }

    public Task DeleteRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken) =>
        plan.UncheckedAsync("iam:DeleteRolePolicy", roleName, policyName);

    /// <summary>The path and name of a policy ARN (<c>arn:PARTITION:iam::ACCOUNT:policy/PATH/NAME</c>), as CreatePolicy takes them.</summary>
    private static string PathAndName(string policyArn) => policyArn[(policyArn.IndexOf(":policy/", StringComparison.Ordinal) + ":policy".Length)..];
}

/// <summary>
/// Role revocation lists for a dry run: reads go through until the plan writes one; its writes are recorded and kept
/// in memory, so that the boundary writer reads back the list it would have written, as in a run.
/// </summary>
internal sealed class PlanningRoleRevocationStore(IRoleRevocationStore store, PlanRecorder plan) : IRoleRevocationStore
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, RoleRevocation> _planned = new();

    public async Task<RoleRevocation?> GetAsync(string roleName, CancellationToken cancellationToken) =>
        _planned.TryGetValue(roleName, out var planned) ? planned : await store.GetAsync(roleName, cancellationToken);

    public async Task PutAsync(RoleRevocation revocation, long? expectedVersion, CancellationToken cancellationToken)
    {
        _planned[revocation.RoleName] = revocation;
        await plan.UncheckedAsync("dynamodb:PutItem", "role " + revocation.RoleName,
            $"revocation list of {revocation.InstanceIds.Count} instance(s), conditional on version {expectedVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(new)"}");
    }
}

/// <summary>Auto Scaling for a dry run: reads go through, changes are recorded.</summary>
internal sealed class PlanningAutoScalingApi(IAutoScalingApi autoScaling, PlanRecorder plan) : IAutoScalingApi
{
    public Task<AutoScalingMembership?> DescribeMembershipAsync(string instanceId, CancellationToken cancellationToken) =>
        autoScaling.DescribeMembershipAsync(instanceId, cancellationToken);

    public Task EnterStandbyAsync(string groupName, string instanceId, CancellationToken cancellationToken) =>
        plan.UncheckedAsync("autoscaling:EnterStandby", instanceId, groupName);

    public Task ExitStandbyAsync(string groupName, string instanceId, CancellationToken cancellationToken) =>
        plan.UncheckedAsync("autoscaling:ExitStandby", instanceId, groupName);
}

/// <summary>ELBv2 for a dry run: reads go through, changes are recorded.</summary>
internal sealed class PlanningLoadBalancingApi(ILoadBalancingApi loadBalancing, PlanRecorder plan) : ILoadBalancingApi
{
    public Task<IReadOnlyList<TargetRegistration>> FindRegistrationsAsync(InstanceDescription instance, CancellationToken cancellationToken) =>
        loadBalancing.FindRegistrationsAsync(instance, cancellationToken);

    public Task<IReadOnlyList<TargetGroupMembership>> FindTargetGroupsAsync(InstanceDescription instance, CancellationToken cancellationToken) =>
        loadBalancing.FindTargetGroupsAsync(instance, cancellationToken);

    public Task DeregisterAsync(string instanceId, TargetRegistration registration, CancellationToken cancellationToken) =>
        plan.UncheckedAsync("elasticloadbalancing:DeregisterTargets", registration.TargetGroupArn, Describe(instanceId, registration));

    public Task RegisterAsync(string instanceId, TargetRegistration registration, CancellationToken cancellationToken) =>
        plan.UncheckedAsync("elasticloadbalancing:RegisterTargets", registration.TargetGroupArn, Describe(instanceId, registration));

    private static string Describe(string instanceId, TargetRegistration registration) =>
        registration.Port is { } port ? $"{instanceId}:{port}" : instanceId;
}

/// <summary>
/// The record store for a dry run: reads go through; the first write is recorded once, none is made. A write that
/// requires no record fails, as it would, when one exists, so that the plan takes the path the run would.
/// </summary>
internal sealed class PlanningRecordStore(IRecordStore records, PlanRecorder plan) : IRecordStore
{
    private int _writes;

    public Task<IsolationRecord?> GetAsync(string instanceId, CancellationToken cancellationToken) => records.GetAsync(instanceId, cancellationToken);

    public Task<IReadOnlyList<IsolationRecord>> ListAsync(CancellationToken cancellationToken) => records.ListAsync(cancellationToken);

    public async Task PutAsync(IsolationRecord record, long? expectedVersion, CancellationToken cancellationToken)
    {
        if (expectedVersion is null && await records.GetAsync(record.InstanceId, cancellationToken) is { } existing)
        {
            throw new RecordConflictException($"An isolation record for {record.InstanceId} already exists (version {existing.Version}).");
        }

        if (Interlocked.Increment(ref _writes) == 1)
        {
            await plan.UncheckedAsync("dynamodb:PutItem", record.InstanceId,
                $"record {record.Status}, conditional on version {expectedVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(new)"}; rewritten after each step");
        }
    }
}

/// <summary>Classic Load Balancers for a dry run: reads go through, changes are recorded.</summary>
internal sealed class PlanningClassicLoadBalancingApi(IClassicLoadBalancingApi classic, PlanRecorder plan) : IClassicLoadBalancingApi
{
    public Task<IReadOnlyList<string>> FindLoadBalancersAsync(string instanceId, CancellationToken cancellationToken) =>
        classic.FindLoadBalancersAsync(instanceId, cancellationToken);

    public Task DeregisterAsync(string loadBalancerName, string instanceId, CancellationToken cancellationToken) =>
        plan.UncheckedAsync("elasticloadbalancing:DeregisterInstancesFromLoadBalancer", loadBalancerName, instanceId);

    public Task RegisterAsync(string loadBalancerName, string instanceId, CancellationToken cancellationToken) =>
        plan.UncheckedAsync("elasticloadbalancing:RegisterInstancesWithLoadBalancer", loadBalancerName, instanceId);
}
