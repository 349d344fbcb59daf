using Amazon.EC2.Model;
using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Aws.Ec2;

/// <summary>
/// The reads of a tamper event, both by filter rather than by id list: a list naming one id EC2 does not know fails the
/// whole call (InvalidNetworkInterfaceID.NotFound, InvalidGroup.NotFound), where a filter leaves it out. Filters
/// network-interface-id (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html) and
/// group-id (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroups.html).
/// </summary>
public sealed partial class AwsEc2Api
{
    public async Task<IReadOnlyDictionary<string, string>> FindAttachedInstancesAsync(IReadOnlyList<string> networkInterfaceIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(networkInterfaceIds);
        var attached = new Dictionary<string, string>(StringComparer.Ordinal);
        if (networkInterfaceIds.Count == 0)
        {
            return attached;
        }

        var request = new DescribeNetworkInterfacesRequest { Filters = [new("network-interface-id", [.. networkInterfaceIds])] };
        await foreach (var eni in ec2.Paginators.DescribeNetworkInterfaces(request).NetworkInterfaces.WithCancellation(cancellationToken))
        {
            if (eni.Attachment?.InstanceId is { Length: > 0 } instanceId)
            {
                attached[eni.NetworkInterfaceId] = instanceId;
            }
        }

        return attached;
    }

    public async Task<SecurityGroupInfo?> DescribeSecurityGroupAsync(string groupId, CancellationToken cancellationToken)
    {
        var response = await ec2.DescribeSecurityGroupsAsync(new() { Filters = [new("group-id", [groupId])] }, cancellationToken);
        return response.SecurityGroups is [var group, ..] ? ToInfo(group) : null;
    }
}
