using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// The network ACL denies a record holds, checked against the ACLs as they are. From the record alone, so that the sweep
/// can use it for an instance that is gone (its addresses may go to a new instance, which a stale deny would cut off)
/// and for an isolated instance whose entries someone removed (an infrastructure-as-code run deleting unknown entries).
/// </summary>
public static class NetworkAclDenies
{
    /// <summary>
    /// Removes exactly the recorded entries that are still there as written (an entry someone replaced under the same
    /// number is left alone), then empties the record's list and open paths. The caller writes the record.
    /// </summary>
    /// <returns>How many entries were removed.</returns>
    public static async Task<int> RemoveAsync(IEc2Api ec2, IsolationRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        ArgumentNullException.ThrowIfNull(record);
        var recorded = record.Artifacts.NetworkAclDenies;
        if (recorded.Count == 0)
        {
            record.Artifacts.OpenPaths.Clear();
            return 0;
        }

        var acls = await ec2.DescribeNetworkAclsAsync([.. recorded.Select(entry => entry.VpcId).Distinct()], cancellationToken);
        var present = recorded.Where(entry => acls.Any(entry.IsIn)).ToList();
        await Task.WhenAll(present.Select(entry => ec2.DeleteNetworkAclEntryAsync(entry.NetworkAclId, entry.RuleNumber, entry.Egress, cancellationToken)));
        recorded.Clear();
        record.Artifacts.OpenPaths.Clear();
        return present.Count;
    }

    /// <summary>The recorded entries that are no longer in their ACL as written: an isolated instance whose cut drifted.</summary>
    public static async Task<IReadOnlyList<NetworkAclDeny>> FindMissingAsync(IEc2Api ec2, IsolationRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        ArgumentNullException.ThrowIfNull(record);
        var recorded = record.Artifacts.NetworkAclDenies;
        if (recorded.Count == 0)
        {
            return [];
        }

        var acls = await ec2.DescribeNetworkAclsAsync([.. recorded.Select(entry => entry.VpcId).Distinct()], cancellationToken);
        return [.. recorded.Where(entry => !acls.Any(entry.IsIn))];
    }
}
