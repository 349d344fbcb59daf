using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation;

/// <summary>
/// What a run reads before it acts, in one round of parallel calls: only what the record's first write and the network
/// step need, so that the network is contained as few calls and round trips after the event as possible. The rest of
/// the original configuration is read after the network step (<see cref="RunContext.RecordedAttachmentsAsync"/>).
/// </summary>
internal sealed record InstanceState(InstanceDescription? Instance, IsolationRecord? Record, IReadOnlyList<SecurityGroupInfo> Groups)
{
    /// <param name="forIsolation">False for a release, which needs only the instance and the record.</param>
    public static async Task<InstanceState> ResolveAsync(
        AwsApis apis, string instanceId, IsolationSettings settings, bool forIsolation, CancellationToken cancellationToken)
    {
        var record = apis.Records.GetAsync(instanceId, cancellationToken);
        var instance = apis.Ec2.DescribeInstanceAsync(instanceId, cancellationToken);
        var groups = forIsolation
            ? apis.Ec2.FindSecurityGroupsAsync([settings.AllTrafficGroupName, settings.QuarantineGroupName], cancellationToken)
            : Task.FromResult<IReadOnlyList<SecurityGroupInfo>>([]);

        var found = await instance;
        if (found is null || found.IsGone || found.VpcId is null)
        {
            // The caller refuses this instance; the other reads may fail for the same reason and no longer matter.
            await Task.WhenAll(record, groups).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return new InstanceState(found, record.IsCompletedSuccessfully ? record.Result : null, []);
        }

        return new InstanceState(found, await record, await groups);
    }
}
