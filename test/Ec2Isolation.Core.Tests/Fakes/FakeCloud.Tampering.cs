using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Tests.Fakes;

/// <summary>
/// The reads of a tamper event. Both are filtered reads in the adapter (DescribeNetworkInterfaces by network-interface-id,
/// DescribeSecurityGroups by group-id), so an id EC2 does not know is left out rather than failing the call with
/// InvalidNetworkInterfaceID.NotFound / InvalidGroup.NotFound as a list of ids would
/// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html,
/// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroups.html): the fake does the same.
/// </summary>
internal sealed partial class FakeCloud
{
    public Task<IReadOnlyDictionary<string, string>> FindAttachedInstancesAsync(IReadOnlyList<string> networkInterfaceIds, CancellationToken cancellationToken) =>
        Call("DescribeNetworkInterfaces:attachment", () =>
        {
            lock (_lock)
            {
                return (IReadOnlyDictionary<string, string>)networkInterfaceIds
                    .Select(eni => (Eni: eni, Instance: Instances.Values.FirstOrDefault(i => i.Enis.Contains(eni))))
                    .Where(pair => pair.Instance is not null)
                    .ToDictionary(pair => pair.Eni, pair => pair.Instance!.InstanceId, StringComparer.Ordinal);
            }
        });

    public Task<SecurityGroupInfo?> DescribeSecurityGroupAsync(string groupId, CancellationToken cancellationToken) =>
        Call("DescribeSecurityGroups:id", () =>
        {
            lock (_lock)
            {
                return Groups.Find(g => g.GroupId == groupId)?.ToInfo();
            }
        });
}
