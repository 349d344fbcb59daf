using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Gives an ENI back its groups at release. Groups deleted during the isolation are left out, and the record says so;
/// when none of them remains, the ENI goes to its own VPC's default group (every VPC has one, named "default"), and the
/// record says that too. An ENI deleted meanwhile (a branch ENI whose pod or task ended, a secondary ENI detached and
/// deleted) has nothing left to restore: the record says so. Any other failure fails the release, which leaves the ENI contained.
/// </summary>
internal sealed class NetworkRestore(RunContext context)
{
    public async Task RestoreAsync(NetworkInterfaceGroups eni, IReadOnlyList<string> groupIds, CancellationToken cancellationToken)
    {
        var ec2 = context.Apis.Ec2;
        var networkInterfaceId = eni.NetworkInterfaceId;
        try
        {
            await ec2.SetNetworkInterfaceGroupsAsync(networkInterfaceId, groupIds, cancellationToken);
            return;
        }
        catch (SecurityGroupNotFoundException)
        {
            // A group the ENI had when it was isolated, unknown now: deleted since (no eventual consistency to wait for).
            // Which ones are gone is read below: EC2's answer names only the first.
        }
        catch (ResourceGoneException)
        {
            context.NotRestored($"{networkInterfaceId}: the network interface no longer exists; nothing to restore.");
            return;
        }

        // Records written before ENIs carried their VPC hold the instance's VPC only, which was every ENI's then.
        var vpcId = eni.VpcId ?? context.Record.VpcId;
        var existing = await ec2.FindExistingSecurityGroupIdsAsync(vpcId, groupIds, cancellationToken);
        var gone = string.Join(", ", groupIds.Except(existing));
        if (existing.Count > 0)
        {
            await ec2.SetNetworkInterfaceGroupsAsync(networkInterfaceId, [.. groupIds.Where(existing.Contains)], cancellationToken);
            context.NotRestored($"{networkInterfaceId}: security group(s) {gone} no longer exist; it has the rest of its groups, {string.Join(", ", existing)}.");
            return;
        }

        var fallback = await ec2.FindSecurityGroupsAsync(vpcId, ["default"], cancellationToken);
        if (fallback.Count == 0)
        {
            throw new InvalidOperationException(
                $"None of the groups of {networkInterfaceId} ({gone}) exists any more, nor the default group of {vpcId}: it stays contained. "
                + "Run release again naming the groups to restore (--restore-groups).");
        }

        await ec2.SetNetworkInterfaceGroupsAsync(networkInterfaceId, [fallback[0].GroupId], cancellationToken);
        context.NotRestored($"{networkInterfaceId}: none of its security groups ({gone}) exists any more; it is in the default group of {vpcId}, {fallback[0].GroupId}.");
    }
}
