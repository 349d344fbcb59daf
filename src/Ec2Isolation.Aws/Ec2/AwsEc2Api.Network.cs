using Amazon.EC2;
using Amazon.EC2.Model;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.Ec2;

/// <summary>What the network step needs beyond plain ENIs: groups EC2 does not know yet, and branch ENIs behind a trunk.</summary>
public sealed partial class AwsEc2Api
{
    /// <summary>The ENI type of a trunk ENI in DescribeInstances (<c>InterfaceType</c>).</summary>
    private const string TrunkInterfaceType = "trunk";

    /// <summary>
    /// The tag EKS's VPC resource controller puts on every branch ENI it creates, holding its trunk ENI's id; it finds
    /// them by this tag itself, since "describe trunk association is not supported with assumed role"
    /// (aws/amazon-vpc-resource-controller-k8s, pkg/config/type.go and pkg/provider/branch/trunk/trunk.go).
    /// </summary>
    private const string EksTrunkTag = "vpcresources.k8s.aws/trunk-eni-id";

    /// <summary>
    /// Branch ENIs are searched two ways at once: by EKS's tag (DescribeNetworkInterfaces), and by
    /// DescribeTrunkInterfaceAssociations (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeTrunkInterfaceAssociations.html),
    /// which covers ECS ENI trunking too. The latter has no filter by trunk (only <c>gre-key</c> and
    /// <c>interface-protocol</c> are documented), so every association of the region is listed, and it may be refused to
    /// an assumed role: then the search says what it could not cover, and the branches found by tag are still returned.
    /// </summary>
    public async Task<BranchInterfaces> FindBranchInterfacesAsync(IReadOnlyList<string> trunkInterfaceIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trunkInterfaceIds);
        if (trunkInterfaceIds.Count == 0)
        {
            return new BranchInterfaces([], []);
        }

        var gaps = new List<string>();
        var tagged = DescribeInterfacesAsync([new("tag:" + EksTrunkTag, [.. trunkInterfaceIds])], cancellationToken);
        var associated = ListBranchAssociationsAsync(trunkInterfaceIds, cancellationToken);
        var found = new Dictionary<string, NetworkInterfaceGroups>();
        try
        {
            foreach (var eni in await tagged)
            {
                var trunk = eni.TagSet?.Find(tag => tag.Key == EksTrunkTag)?.Value;
                found[eni.NetworkInterfaceId] = ToBranch(eni, trunk);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            gaps.Add($"the branch ENIs EKS tags with their trunk ({EksTrunkTag}) could not be searched: {e.Message}");
        }

        var trunkOf = new Dictionary<string, string>();
        try
        {
            trunkOf = await associated;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            gaps.Add($"DescribeTrunkInterfaceAssociations failed ({e.Message}): branch ENIs of trunk {string.Join(", ", trunkInterfaceIds)} "
                + "that EKS did not tag (ECS ENI trunking) were not searched and may be open");
        }

        var untagged = trunkOf.Keys.Where(id => !found.ContainsKey(id)).ToList();
        if (untagged.Count > 0)
        {
            try
            {
                // By filter, not by id: a branch deleted since it was listed is then missing, not an error.
                foreach (var eni in await DescribeInterfacesAsync([new("network-interface-id", untagged)], cancellationToken))
                {
                    found[eni.NetworkInterfaceId] = ToBranch(eni, trunkOf[eni.NetworkInterfaceId]);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                gaps.Add($"branch ENIs {string.Join(", ", untagged)} could not be read: {e.Message}");
            }
        }

        return new BranchInterfaces([.. found.Values], gaps);
    }

    /// <summary>Branch ENI id to trunk ENI id, for the associations of these trunks, every page read.</summary>
    private async Task<Dictionary<string, string>> ListBranchAssociationsAsync(IReadOnlyList<string> trunkInterfaceIds, CancellationToken cancellationToken)
    {
        var branches = new Dictionary<string, string>();
        var request = new DescribeTrunkInterfaceAssociationsRequest { MaxResults = 255 };
        do
        {
            var response = await ec2.DescribeTrunkInterfaceAssociationsAsync(request, cancellationToken);
            foreach (var association in (response.InterfaceAssociations ?? []).Where(a => trunkInterfaceIds.Contains(a.TrunkInterfaceId)))
            {
                branches[association.BranchInterfaceId] = association.TrunkInterfaceId;
            }

            request.NextToken = response.NextToken;
        }
        while (!string.IsNullOrEmpty(request.NextToken));
        return branches;
    }

    private async Task<List<NetworkInterface>> DescribeInterfacesAsync(List<Filter> filters, CancellationToken cancellationToken)
    {
        var interfaces = new List<NetworkInterface>();
        var request = new DescribeNetworkInterfacesRequest { Filters = filters };
        do
        {
            var response = await ec2.DescribeNetworkInterfacesAsync(request, cancellationToken);
            interfaces.AddRange(response.NetworkInterfaces ?? []);
            request.NextToken = response.NextToken;
        }
        while (!string.IsNullOrEmpty(request.NextToken));
        return interfaces;
    }

    private static NetworkInterfaceGroups ToBranch(NetworkInterface eni, string? trunkInterfaceId) =>
        ToGroups(eni.NetworkInterfaceId, eni.Groups) with { VpcId = eni.VpcId, TrunkInterfaceId = trunkInterfaceId };

    /// <summary>
    /// EC2 answers <c>InvalidGroup.NotFound</c> for a group it does not know yet (right after CreateSecurityGroup:
    /// https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html), which passes, and also for a group of
    /// another VPC than the ENI's ("You have specified two resources that belong to different networks",
    /// philips-software/go-hsdp-api#43), which never does: only the first becomes <see cref="SecurityGroupNotFoundException"/>.
    /// </summary>
    private static async Task OnGroupAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode is "InvalidGroup.NotFound" or "InvalidSecurityGroupID.NotFound"
            && !e.Message.Contains("different networks", StringComparison.OrdinalIgnoreCase))
        {
            throw new SecurityGroupNotFoundException(e.Message, e);
        }
    }
}
