using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation;

/// <summary>
/// Everything a run reads before it acts, fetched in one round of parallel calls, so that the record can be written,
/// and the network contained, as few round trips after the event as possible. The target registrations (ELBv2 needs
/// the VPC first, then a call per target group) are left running: the steps that change them wait for them.
/// </summary>
internal sealed record InstanceState(
    InstanceDescription? Instance,
    IsolationRecord? Record,
    InstanceProtection? Protection,
    ProfileAssociation? ProfileAssociation,
    AutoScalingMembership? AutoScaling,
    Task<IReadOnlyList<TargetRegistration>> TargetRegistrations,
    IReadOnlyList<SecurityGroupInfo> Groups)
{
    /// <param name="forIsolation">False for a release, which needs only the instance and the record.</param>
    public static async Task<InstanceState> ResolveAsync(
        AwsApis apis, string instanceId, IsolationSettings settings, bool forIsolation, CancellationToken cancellationToken)
    {
        var record = apis.Records.GetAsync(instanceId, cancellationToken);
        var instance = apis.Ec2.DescribeInstanceAsync(instanceId, cancellationToken);
        if (!forIsolation)
        {
            return new InstanceState(await instance, await record, null, null, null, NoTargets, []);
        }

        var protection = apis.Ec2.DescribeProtectionAsync(instanceId, cancellationToken);
        var association = apis.Ec2.DescribeProfileAssociationAsync(instanceId, cancellationToken);
        var autoScaling = apis.AutoScaling.DescribeMembershipAsync(instanceId, cancellationToken);
        var groups = apis.Ec2.FindSecurityGroupsAsync([settings.AllTrafficGroupName, settings.QuarantineGroupName], cancellationToken);
        var targets = FindTargetsAsync(apis, instance, cancellationToken);
        var reads = new Task[] { record, instance, protection, association, autoScaling, groups };

        var found = await instance;
        if (found is null || found.IsGone || found.VpcId is null)
        {
            // The caller refuses this instance; the other reads may fail for the same reason and no longer matter.
            await Task.WhenAll(reads).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return new InstanceState(found, record.IsCompletedSuccessfully ? record.Result : null, null, null, null, NoTargets, []);
        }

        await Task.WhenAll(reads);
        return new InstanceState(found, await record, await protection, await association, await autoScaling, targets, await groups);
    }

    private static readonly Task<IReadOnlyList<TargetRegistration>> NoTargets = Task.FromResult<IReadOnlyList<TargetRegistration>>([]);

    private static async Task<IReadOnlyList<TargetRegistration>> FindTargetsAsync(
        AwsApis apis, Task<InstanceDescription?> instance, CancellationToken cancellationToken) =>
        await instance is { VpcId: { } vpcId, IsGone: false } found
            ? await apis.LoadBalancing.FindRegistrationsAsync(vpcId, found.InstanceId, cancellationToken)
            : [];
}
