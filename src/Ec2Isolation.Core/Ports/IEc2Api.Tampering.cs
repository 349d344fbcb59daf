using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Ports;

/// <summary>The reads a tamper event needs to find what a CloudTrail-recorded call touched, without reading every record.</summary>
public partial interface IEc2Api
{
    /// <summary>The instance each network interface is attached to (interface id to instance id); detached and unknown interfaces are left out.</summary>
    Task<IReadOnlyDictionary<string, string>> FindAttachedInstancesAsync(IReadOnlyList<string> networkInterfaceIds, CancellationToken cancellationToken);

    /// <summary>One security group with its rules, by id; null when EC2 does not know it.</summary>
    Task<SecurityGroupInfo?> DescribeSecurityGroupAsync(string groupId, CancellationToken cancellationToken);
}
