using System.Diagnostics.CodeAnalysis;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation;

/// <summary>
/// What a run reads before it acts: only what the record's first write needs, so that the network is contained as few
/// calls and round trips after the event as possible. An isolation reads the instance, then the record only when the
/// instance shows an isolation (or is refused); the isolation groups of its VPC are looked up beside the record's first
/// write (<see cref="RunContext.IsolationGroups"/>). An instance that shows none is almost always isolated for the first
/// time: its run claims a new record without reading the table, with a write that fails, changing nothing, when a record
/// exists, and only then reads the record and the instance again (<see cref="WithRecordAsync"/>). A release reads the
/// instance and the record in parallel. The rest of the original configuration is read after the network step
/// (<see cref="RunContext.RecordedAttachmentsAsync"/>).
/// </summary>
internal sealed record InstanceState(InstanceDescription? Instance, IsolationRecord? Record)
{
    /// <summary>
    /// For an isolation, the instance when it is live and shows no sign of an isolation (<see cref="IsolationSigns"/>):
    /// its record was not read, and <see cref="Record"/> is null.
    /// </summary>
    public InstanceDescription? Unmarked { get; private init; }

    /// <param name="forIsolation">False for a release, which needs only the instance and the record.</param>
    public static Task<InstanceState> ResolveAsync(
        AwsApis apis, string instanceId, IsolationSettings settings, bool forIsolation, CancellationToken cancellationToken) =>
        forIsolation ? ForIsolationAsync(apis, instanceId, settings, cancellationToken) : InstanceAndRecordAsync(apis, instanceId, cancellationToken);

    /// <summary>
    /// For an isolation whose claim of a new record found one: the record, and the instance read again beside it, since
    /// another run may have changed the instance after it was read (contained it, say).
    /// </summary>
    public static Task<InstanceState> WithRecordAsync(AwsApis apis, string instanceId, CancellationToken cancellationToken) =>
        InstanceAndRecordAsync(apis, instanceId, cancellationToken);

    /// <summary>
    /// What shows that <paramref name="instance"/> is isolated: an ENI in an isolation group (by name: an ENI's groups are
    /// those of its VPC, where a name is unique). Never a tag: whoever may tag the instance (its own role, at times) could
    /// write one, and an instance tagged as isolated would be taken for one. Each sign is worded for a message.
    /// </summary>
    public static IReadOnlyList<string> IsolationSigns(InstanceDescription instance, IsolationSettings settings)
    {
        string[] isolationGroupNames = [settings.AllTrafficGroupName, settings.QuarantineGroupName];
        bool IsIsolationGroup(string groupId) => instance.GroupNames.TryGetValue(groupId, out var name) && isolationGroupNames.Contains(name);
        return [.. instance.NetworkInterfaces
            .SelectMany(eni => eni.GroupIds.Where(IsIsolationGroup).Select(g => $"{eni.NetworkInterfaceId} is in {instance.GroupNames[g]} ({g})"))];
    }

    private static async Task<InstanceState> ForIsolationAsync(AwsApis apis, string instanceId, IsolationSettings settings, CancellationToken cancellationToken)
    {
        var found = await apis.Ec2.DescribeInstanceAsync(instanceId, cancellationToken);
        if (!IsLive(found))
        {
            // Its record may still say it is isolated (an event repeated after it terminated).
            return await RefusedAsync(found, apis.Records.GetAsync(instanceId, cancellationToken));
        }

        return IsolationSigns(found, settings).Count == 0
            ? new InstanceState(found, null) { Unmarked = found }
            : new InstanceState(found, await apis.Records.GetAsync(instanceId, cancellationToken));
    }

    private static async Task<InstanceState> InstanceAndRecordAsync(AwsApis apis, string instanceId, CancellationToken cancellationToken)
    {
        var record = apis.Records.GetAsync(instanceId, cancellationToken);
        var found = await apis.Ec2.DescribeInstanceAsync(instanceId, cancellationToken);
        return IsLive(found) ? new InstanceState(found, await record) : await RefusedAsync(found, record);
    }

    private static bool IsLive([NotNullWhen(true)] InstanceDescription? instance) => instance is { IsGone: false, VpcId: not null };

    /// <summary>The caller refuses this instance, unless its record says there is nothing to do; the record's read may fail for the same reason and no longer matters.</summary>
    private static async Task<InstanceState> RefusedAsync(InstanceDescription? found, Task<IsolationRecord?> record)
    {
        await record.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        return new InstanceState(found, record.IsCompletedSuccessfully ? record.Result : null);
    }
}
