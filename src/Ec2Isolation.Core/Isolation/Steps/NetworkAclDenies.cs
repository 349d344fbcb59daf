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
    /// <returns>The entries removed.</returns>
    public static async Task<IReadOnlyList<NetworkAclDeny>> RemoveAsync(IEc2Api ec2, IsolationRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ec2);
        ArgumentNullException.ThrowIfNull(record);
        var recorded = record.Artifacts.NetworkAclDenies;
        if (recorded.Count == 0)
        {
            record.Artifacts.OpenPaths.Clear();
            return [];
        }

        var acls = await ec2.DescribeNetworkAclsAsync([.. recorded.Select(entry => entry.VpcId).Distinct()], cancellationToken);
        var present = recorded.Where(entry => acls.Any(entry.IsIn)).ToList();
        await Task.WhenAll(present.Select(entry => ec2.DeleteNetworkAclEntryAsync(entry.NetworkAclId, entry.RuleNumber, entry.Egress, cancellationToken)));
        recorded.Clear();
        record.Artifacts.OpenPaths.Clear();
        return present;
    }

    /// <summary>
    /// The recorded entries no longer in force: not in their ACL as written (removed by someone else), or overtaken by an
    /// allow entry of their direction added ahead of them (a stateless ACL applies the lowest number that matches).
    /// An isolated instance whose cut drifted; its ACL step, run again, puts them back ahead of the allows.
    /// </summary>
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

        // An address is denied when one of its recorded entries is in force: a rerun adds a new one ahead of an allow
        // that overtook the old one, which stays recorded (release removes it).
        bool InForce(NetworkAclDeny entry) => acls.Any(acl => entry.IsIn(acl) && !HasAllowAhead(acl, entry));
        var denied = recorded.Where(InForce).Select(entry => (entry.NetworkAclId, entry.Egress, entry.Cidr)).ToHashSet();
        return [.. recorded.Where(entry => !denied.Contains((entry.NetworkAclId, entry.Egress, entry.Cidr)))];
    }

    private static bool HasAllowAhead(NetworkAclInfo acl, NetworkAclDeny entry) =>
        acl.Entries.Any(rule => rule.Allow && rule.Egress == entry.Egress && rule.RuleNumber < entry.RuleNumber);
}
