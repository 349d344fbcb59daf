using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using SecurityGroupRule = Ec2Isolation.Core.Model.SecurityGroupRule;
using VolumeAttachment = Ec2Isolation.Core.Model.VolumeAttachment;

namespace Ec2Isolation.Aws.Ec2;

/// <summary>
/// <see cref="IEc2Api"/> over the AWS SDK. In dry-run mode every mutating call is sent with DryRun and sends
/// nothing that would change the account; calls without a DryRun parameter throw <see cref="DryRunNotSupportedException"/>.
/// Throttling is retried by the SDK client (standard retry mode).
/// </summary>
public sealed partial class AwsEc2Api(IAmazonEC2 ec2, bool dryRun = false) : IEc2Api
{
    public const string DryRunGroupId = "sg-dryrun";
    public const string DryRunInstanceId = "i-dryrun";

    private bool? DryRun => dryRun ? true : null;

    public async Task<InstanceDescription?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        DescribeInstancesResponse response;
        try
        {
            response = await ec2.DescribeInstancesAsync(new() { InstanceIds = [instanceId] }, cancellationToken);
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode is "InvalidInstanceID.NotFound" or "InvalidInstanceID.Malformed")
        {
            return null;
        }

        var (reservation, instance) = (response.Reservations ?? [])
            .SelectMany(r => (r.Instances ?? []).Select(i => (r, i)))
            .FirstOrDefault(pair => pair.i.InstanceId == instanceId);
        if (instance is null)
        {
            return null;
        }

        return new InstanceDescription
        {
            InstanceId = instance.InstanceId,
            AccountId = reservation.OwnerId,
            State = instance.State.Name.Value,
            VpcId = instance.VpcId,
            IsSpot = instance.InstanceLifecycle == InstanceLifecycleType.Spot,
            HasInstanceStoreRoot = instance.RootDeviceType == DeviceType.InstanceStore,
            NetworkInterfaces = (instance.NetworkInterfaces ?? [])
                .OrderBy(eni => eni.Attachment?.NetworkCardIndex ?? 0)
                .ThenBy(eni => eni.Attachment?.DeviceIndex ?? 0)
                .Select(eni => ToGroups(eni.NetworkInterfaceId, eni.Groups) with { VpcId = eni.VpcId, IsTrunk = eni.InterfaceType == TrunkInterfaceType })
                .ToList(),
            Volumes = (instance.BlockDeviceMappings ?? [])
                .Where(mapping => mapping.Ebs is not null)
                .Select(mapping => new VolumeAttachment(mapping.Ebs.VolumeId, mapping.DeviceName, mapping.Ebs.DeleteOnTermination ?? false))
                .ToList(),
            Tags = (instance.Tags ?? []).ToDictionary(tag => tag.Key, tag => tag.Value),
            SubnetId = instance.SubnetId,
            InstanceType = instance.InstanceType?.Value,
            GroupNames = (instance.NetworkInterfaces ?? []).SelectMany(eni => eni.Groups ?? []).DistinctBy(group => group.GroupId)
                .ToDictionary(group => group.GroupId, group => group.GroupName),
            PrivateAddresses = [.. (instance.NetworkInterfaces ?? []).Select(eni => new InterfaceAddresses(
                eni.NetworkInterfaceId,
                eni.VpcId ?? instance.VpcId,
                [.. (eni.PrivateIpAddresses ?? []).Select(address => address.PrivateIpAddress)
                    .Concat((eni.Ipv6Addresses ?? []).Select(address => address.Ipv6Address))]))],
            UsesIpv6 = (instance.NetworkInterfaces ?? []).Exists(eni => eni.Ipv6Addresses is { Count: > 0 } || eni.Ipv6Prefixes is { Count: > 0 }),
            KeyName = instance.KeyName,
            Boot = BootOf(instance),
        };
    }

    public async Task<InstanceProtection> DescribeProtectionAsync(string instanceId, CancellationToken cancellationToken)
    {
        var termination = ReadAttributeAsync(instanceId, InstanceAttributeName.DisableApiTermination, cancellationToken);
        var stop = ReadAttributeAsync(instanceId, InstanceAttributeName.DisableApiStop, cancellationToken);
        var shutdown = ReadAttributeAsync(instanceId, InstanceAttributeName.InstanceInitiatedShutdownBehavior, cancellationToken);
        await Task.WhenAll(termination, stop, shutdown);
        return new InstanceProtection(
            (await termination).DisableApiTermination ?? false,
            (await stop).DisableApiStop ?? false,
            (await shutdown).InstanceInitiatedShutdownBehavior);
    }

    public async Task<ProfileAssociation?> DescribeProfileAssociationAsync(string instanceId, CancellationToken cancellationToken)
    {
        var response = await ec2.DescribeIamInstanceProfileAssociationsAsync(
            new()
            {
                Filters = [new("instance-id", [instanceId]), new("state", ["associated", "associating"])],
            },
            cancellationToken);
        var association = response.IamInstanceProfileAssociations?.FirstOrDefault();
        return association is null ? null : new ProfileAssociation(association.AssociationId, association.IamInstanceProfile.Arn);
    }

    public async Task<IReadOnlyList<SecurityGroupInfo>> FindSecurityGroupsAsync(string vpcId, IReadOnlyCollection<string> groupNames, CancellationToken cancellationToken)
    {
        if (groupNames.Count == 0)
        {
            return [];
        }

        var groups = new List<SecurityGroupInfo>();
        var request = new DescribeSecurityGroupsRequest { Filters = [new("vpc-id", [vpcId]), new("group-name", [.. groupNames])] };
        await foreach (var group in ec2.Paginators.DescribeSecurityGroups(request).SecurityGroups.WithCancellation(cancellationToken))
        {
            groups.Add(ToInfo(group));
        }

        return groups;
    }

    private static SecurityGroupInfo ToInfo(SecurityGroup group) => new()
    {
        GroupId = group.GroupId,
        GroupName = group.GroupName,
        VpcId = group.VpcId,
        Ingress = ToRules(group.IpPermissions),
        Egress = ToRules(group.IpPermissionsEgress),
    };

    public async Task<string> CreateSecurityGroupAsync(string vpcId, string groupName, string description, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        try
        {
            var response = await MutateAsync(() => ec2.CreateSecurityGroupAsync(
                new()
                {
                    VpcId = vpcId,
                    GroupName = groupName,
                    Description = description,
                    TagSpecifications = TagSpecifications(ResourceType.SecurityGroup, tags),
                    DryRun = DryRun,
                },
                cancellationToken));
            return response?.GroupId ?? DryRunGroupId;
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode == "InvalidGroup.Duplicate")
        {
            throw new SecurityGroupExistsException($"Security group '{groupName}' already exists in {vpcId}.", e);
        }
    }

    /// <remarks>All the rules in one call; an existing rule is not an error here (<see cref="ChangeRulesAsync"/>).</remarks>
    public Task AuthorizeAsync(string groupId, RuleDirection direction, IReadOnlyList<SecurityGroupRule> rules, CancellationToken cancellationToken) =>
        OnGroupAsync(() => ChangeRulesAsync(rules, "InvalidPermission.Duplicate", async permissions => direction == RuleDirection.Ingress
            ? await ec2.AuthorizeSecurityGroupIngressAsync(new() { GroupId = groupId, IpPermissions = permissions, DryRun = DryRun }, cancellationToken)
            : (AmazonWebServiceResponse)await ec2.AuthorizeSecurityGroupEgressAsync(new() { GroupId = groupId, IpPermissions = permissions, DryRun = DryRun }, cancellationToken)));

    /// <remarks>All the rules in one call, like <see cref="AuthorizeAsync"/>: a rule that is already gone is not an error.</remarks>
    public Task RevokeAsync(string groupId, RuleDirection direction, IReadOnlyList<SecurityGroupRule> rules, CancellationToken cancellationToken) =>
        OnGroupAsync(() => ChangeRulesAsync(rules, "InvalidPermission.NotFound", async permissions => direction == RuleDirection.Ingress
            ? await ec2.RevokeSecurityGroupIngressAsync(new() { GroupId = groupId, IpPermissions = permissions, DryRun = DryRun }, cancellationToken)
            : (AmazonWebServiceResponse)await ec2.RevokeSecurityGroupEgressAsync(new() { GroupId = groupId, IpPermissions = permissions, DryRun = DryRun }, cancellationToken)));

    /// <remarks>
    /// An ENI EC2 no longer knows (<c>InvalidNetworkInterfaceID.NotFound</c>,
    /// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html) is <see cref="ResourceGoneException"/>.
    /// </remarks>
    public async Task SetNetworkInterfaceGroupsAsync(string networkInterfaceId, IReadOnlyList<string> groupIds, CancellationToken cancellationToken)
    {
        try
        {
            await OnGroupAsync(() => MutateAsync(() => ec2.ModifyNetworkInterfaceAttributeAsync(
                new() { NetworkInterfaceId = networkInterfaceId, Groups = [.. groupIds], DryRun = DryRun },
                cancellationToken)));
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode == "InvalidNetworkInterfaceID.NotFound")
        {
            throw new ResourceGoneException(e.Message, e);
        }
    }

    public async Task<IReadOnlyList<string>> FindExistingSecurityGroupIdsAsync(string vpcId, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken)
    {
        if (groupIds.Count == 0)
        {
            return [];
        }

        // By filter, not GroupIds: a missing id in GroupIds fails the whole call with InvalidGroup.NotFound.
        var ids = new List<string>();
        var request = new DescribeSecurityGroupsRequest { Filters = [new("vpc-id", [vpcId]), new("group-id", [.. groupIds])] };
        await foreach (var group in ec2.Paginators.DescribeSecurityGroups(request).SecurityGroups.WithCancellation(cancellationToken))
        {
            ids.Add(group.GroupId);
        }

        return ids;
    }

    public async Task<IReadOnlyList<NetworkInterfaceGroups>> DescribeNetworkInterfaceGroupsAsync(IReadOnlyList<string> networkInterfaceIds, CancellationToken cancellationToken)
    {
        if (networkInterfaceIds.Count == 0)
        {
            return [];
        }

        var response = await ec2.DescribeNetworkInterfacesAsync(new() { NetworkInterfaceIds = [.. networkInterfaceIds] }, cancellationToken);
        var found = (response.NetworkInterfaces ?? []).ToDictionary(eni => eni.NetworkInterfaceId, eni => ToGroups(eni.NetworkInterfaceId, eni.Groups) with { VpcId = eni.VpcId });
        return [.. networkInterfaceIds.Where(found.ContainsKey).Select(id => found[id])];
    }

    public async Task<string> ReplaceProfileAssociationAsync(string associationId, string instanceProfile, CancellationToken cancellationToken)
    {
        ThrowIfDryRun("ReplaceIamInstanceProfileAssociation");
        var response = await ProfileMustExistAsync(() => StateRefusalsAsync(() => ec2.ReplaceIamInstanceProfileAssociationAsync(
            new() { AssociationId = associationId, IamInstanceProfile = ProfileSpecification(instanceProfile) },
            cancellationToken)));
        return response.IamInstanceProfileAssociation.AssociationId;
    }

    public async Task<string> AssociateProfileAsync(string instanceId, string instanceProfile, CancellationToken cancellationToken)
    {
        ThrowIfDryRun("AssociateIamInstanceProfile");
        var response = await ProfileMustExistAsync(() => StateRefusalsAsync(() => ec2.AssociateIamInstanceProfileAsync(
            new() { InstanceId = instanceId, IamInstanceProfile = ProfileSpecification(instanceProfile) },
            cancellationToken)));
        return response.IamInstanceProfileAssociation.AssociationId;
    }

    /// <summary>
    /// A profile deleted meanwhile is <see cref="ResourceGoneException"/>: EC2 answers <c>InvalidParameterValue</c>, "Value
    /// (ARN) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN" (reproduced with a missing
    /// profile in lacework/go-sdk#1045, https://github.com/lacework/go-sdk/pull/1045); other invalid values stay errors.
    /// </summary>
    private static async Task<T> ProfileMustExistAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode == "InvalidParameterValue"
            && e.Message.Contains("Invalid IAM Instance Profile", StringComparison.OrdinalIgnoreCase))
        {
            throw new ResourceGoneException(e.Message, e);
        }
    }

    public async Task DisassociateProfileAsync(string associationId, CancellationToken cancellationToken)
    {
        ThrowIfDryRun("DisassociateIamInstanceProfile");
        await StateRefusalsAsync(() => ec2.DisassociateIamInstanceProfileAsync(new() { AssociationId = associationId }, cancellationToken));
    }

    /// <remarks>
    /// EC2 takes one attribute per ModifyInstanceAttribute call. The shutdown behaviour uses the
    /// <c>Attribute</c>/<c>Value</c> form, which both EC2 and moto honour.
    /// </remarks>
    public Task SetProtectionAsync(string instanceId, InstanceProtection protection, ProtectionAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(protection);
        List<ModifyInstanceAttributeRequest> requests = [];
        if (attributes.HasFlag(ProtectionAttributes.Stop))
        {
            requests.Add(new() { DisableApiStop = protection.DisableApiStop });
        }

        if (attributes.HasFlag(ProtectionAttributes.ShutdownBehavior))
        {
            requests.Add(new() { Attribute = InstanceAttributeName.InstanceInitiatedShutdownBehavior, Value = protection.ShutdownBehavior });
        }

        if (attributes.HasFlag(ProtectionAttributes.Termination))
        {
            requests.Add(new() { DisableApiTermination = protection.DisableApiTermination });
        }

        return Task.WhenAll(requests.Select(request => ModifyInstanceAsync(instanceId, request, cancellationToken)));
    }

    public Task SetDeleteOnTerminationAsync(string instanceId, IReadOnlyList<VolumeAttachment> volumes, CancellationToken cancellationToken) =>
        volumes.Count == 0
            ? Task.CompletedTask
            : ModifyInstanceAsync(
                instanceId,
                new()
                {
                    BlockDeviceMappings = [.. volumes.Select(volume => new InstanceBlockDeviceMappingSpecification
                    {
                        DeviceName = volume.DeviceName,
                        Ebs = new() { VolumeId = volume.VolumeId, DeleteOnTermination = volume.DeleteOnTermination },
                    })],
                },
                cancellationToken);

    public async Task<IReadOnlyList<string>> FindInstanceIdsByTagAsync(string tagKey, string tagValue, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var request = new DescribeInstancesRequest
        {
            Filters = [new("tag:" + tagKey, [tagValue]), new("instance-state-name", ["pending", "running", "stopping", "stopped"])],
        };
        await foreach (var reservation in ec2.Paginators.DescribeInstances(request).Reservations.WithCancellation(cancellationToken))
        {
            ids.AddRange(reservation.Instances.Select(instance => instance.InstanceId));
        }

        return ids;
    }

    public async Task<IReadOnlyList<string>> FindSnapshotsAsync(string tagKey, string tagValue, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var request = new DescribeSnapshotsRequest { OwnerIds = ["self"], Filters = [new("tag:" + tagKey, [tagValue])] };
        await foreach (var snapshot in ec2.Paginators.DescribeSnapshots(request).Snapshots.WithCancellation(cancellationToken))
        {
            ids.Add(snapshot.SnapshotId);
        }

        return ids;
    }

    public async Task<IReadOnlyList<string>> CreateSnapshotsAsync(string instanceId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        var response = await MutateAsync(() => ec2.CreateSnapshotsAsync(
            new()
            {
                InstanceSpecification = new() { InstanceId = instanceId, ExcludeBootVolume = false },
                TagSpecifications = TagSpecifications(ResourceType.Snapshot, tags),
                CopyTagsFromSource = CopyTagsFromSource.Volume,
                DryRun = DryRun,
            },
            cancellationToken));
        return [.. (response?.Snapshots ?? []).Select(snapshot => snapshot.SnapshotId)];
    }

    public Task CreateTagsAsync(string resourceId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        tags.Count == 0
            ? Task.CompletedTask
            : MutateAsync(() => ec2.CreateTagsAsync(
                new() { Resources = [resourceId], Tags = ToTags(tags), DryRun = DryRun },
                cancellationToken));

    /// <remarks>No keys sends nothing: DeleteTags without tags would delete every tag of the resource.</remarks>
    public Task DeleteTagsAsync(string resourceId, IReadOnlyCollection<string> tagKeys, CancellationToken cancellationToken) =>
        tagKeys.Count == 0
            ? Task.CompletedTask
            : MutateAsync(() => ec2.DeleteTagsAsync(
                new() { Resources = [resourceId], Tags = [.. tagKeys.Select(key => new Tag { Key = key })], DryRun = DryRun },
                cancellationToken));

    /// <remarks>
    /// EC2 refuses network interfaces in the request when the launch template sets instance-level security groups, and
    /// an instance-level subnet when it sets network interfaces (InvalidParameterCombination): the template's form is
    /// followed, and without a template the interface is given in full.
    /// </remarks>
    public async Task<string> RunReplacementAsync(ReplacementSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var request = new RunInstancesRequest
        {
            ImageId = spec.ImageId,
            InstanceType = InstanceType.FindValue(spec.InstanceType),
            MinCount = 1,
            MaxCount = 1,
            IamInstanceProfile = spec.InstanceProfileArn is { } profile ? ProfileSpecification(profile) : null,
            TagSpecifications = TagSpecifications(ResourceType.Instance, spec.Tags),
            ClientToken = spec.ClientToken,
            DryRun = DryRun,
        };
        if (spec.LaunchTemplate is { } template)
        {
            request.LaunchTemplate = new() { LaunchTemplateId = template.LaunchTemplateId, Version = template.Version };
        }

        if (spec.LaunchTemplate is null || await TemplateHasNetworkInterfacesAsync(spec.LaunchTemplate, cancellationToken))
        {
            request.NetworkInterfaces = [new() { DeviceIndex = 0, SubnetId = spec.SubnetId, Groups = [.. spec.SecurityGroupIds] }];
        }
        else
        {
            request.SubnetId = spec.SubnetId;
            request.SecurityGroupIds = [.. spec.SecurityGroupIds];
        }

        var response = await MutateAsync(() => ec2.RunInstancesAsync(request, cancellationToken));
        return response?.Reservation.Instances[0].InstanceId ?? DryRunInstanceId;
    }

    /// <summary>
    /// Sends a mutating call. In dry-run mode <c>DryRunOperation</c> means permitted: the result is null (callers
    /// substitute a placeholder); <c>UnauthorizedOperation</c> becomes <see cref="PermissionDeniedException"/>.
    /// </summary>
    private async Task<T?> MutateAsync<T>(Func<Task<T>> call)
        where T : class
    {
        try
        {
            return await call();
        }
        catch (AmazonEC2Exception e) when (dryRun && e.ErrorCode == "DryRunOperation")
        {
            return null;
        }
        catch (AmazonEC2Exception e) when (dryRun && e.ErrorCode == "UnauthorizedOperation")
        {
            throw new PermissionDeniedException(e.Message, e);
        }
    }

    /// <summary>
    /// All the rules in one call. EC2 fails the whole call when one rule is already there (authorize) or, in some cases,
    /// not there (revoke): then one call per rule, each ignoring that error, so that the others still take effect.
    /// </summary>
    private async Task ChangeRulesAsync(IReadOnlyList<SecurityGroupRule> rules, string toleratedErrorCode, Func<List<IpPermission>, Task<AmazonWebServiceResponse>> call)
    {
        async Task<bool> TryAsync(IReadOnlyList<SecurityGroupRule> batch)
        {
            try
            {
                await MutateAsync(() => call(ToPermissions(batch)));
                return true;
            }
            catch (AmazonEC2Exception e) when (e.ErrorCode == toleratedErrorCode)
            {
                return false;
            }
        }

        if (!await TryAsync(rules) && rules.Count > 1)
        {
            await Task.WhenAll(rules.Select(rule => TryAsync([rule])));
        }
    }

    private async Task ModifyInstanceAsync(string instanceId, ModifyInstanceAttributeRequest request, CancellationToken cancellationToken)
    {
        request.InstanceId = instanceId;
        request.DryRun = DryRun;
        await StateRefusalsAsync(() => MutateAsync(() => ec2.ModifyInstanceAttributeAsync(request, cancellationToken)));
    }

    /// <summary>
    /// EC2's refusals for a state that may settle (an association still associating or disassociating, a pending or
    /// stopping instance: IncorrectState, IncorrectInstanceState) become <see cref="IncorrectStateException"/>, which the
    /// engine retries with backoff. https://docs.aws.amazon.com/ec2/latest/devguide/errors-overview.html
    /// </summary>
    private static async Task<T> StateRefusalsAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonEC2Exception e) when (e.ErrorCode is "IncorrectState" or "IncorrectInstanceState")
        {
            throw new IncorrectStateException($"{e.ErrorCode}: {e.Message}", e);
        }
    }

    private async Task<bool> TemplateHasNetworkInterfacesAsync(LaunchTemplateReference template, CancellationToken cancellationToken)
    {
        var response = await ec2.DescribeLaunchTemplateVersionsAsync(
            new() { LaunchTemplateId = template.LaunchTemplateId, Versions = [template.Version] },
            cancellationToken);
        return response.LaunchTemplateVersions?.FirstOrDefault()?.LaunchTemplateData?.NetworkInterfaces is { Count: > 0 };
    }

    private async Task<InstanceAttribute> ReadAttributeAsync(string instanceId, InstanceAttributeName name, CancellationToken cancellationToken) =>
        (await ec2.DescribeInstanceAttributeAsync(new() { InstanceId = instanceId, Attribute = name }, cancellationToken)).InstanceAttribute;

    private void ThrowIfDryRun(string action)
    {
        if (dryRun)
        {
            throw new DryRunNotSupportedException($"{action} has no DryRun parameter; nothing was sent.");
        }
    }

    private static NetworkInterfaceGroups ToGroups(string networkInterfaceId, List<GroupIdentifier>? groups) =>
        new(networkInterfaceId, [.. (groups ?? []).Select(group => group.GroupId)]);

    private static IamInstanceProfileSpecification ProfileSpecification(string nameOrArn) =>
        nameOrArn.StartsWith("arn:", StringComparison.Ordinal) ? new() { Arn = nameOrArn } : new() { Name = nameOrArn };

    private static List<Tag> ToTags(IReadOnlyDictionary<string, string> tags) =>
        [.. tags.Select(tag => new Tag(tag.Key, tag.Value))];

    private static List<TagSpecification>? TagSpecifications(ResourceType resourceType, IReadOnlyDictionary<string, string> tags) =>
        tags.Count == 0 ? null : [new() { ResourceType = resourceType, Tags = ToTags(tags) }];

    private static List<SecurityGroupRule> ToRules(List<IpPermission>? permissions) =>
        [.. (permissions ?? []).SelectMany(permission =>
        {
            var protocol = permission.IpProtocol;
            var allTraffic = protocol == "-1";
            int? from = allTraffic ? null : permission.FromPort, to = allTraffic ? null : permission.ToPort;
            return (permission.Ipv4Ranges ?? []).Select(range => range.CidrIp)
                .Concat((permission.Ipv6Ranges ?? []).Select(range => range.CidrIpv6))
                .Concat((permission.UserIdGroupPairs ?? []).Select(pair => pair.GroupId))
                .Concat((permission.PrefixListIds ?? []).Select(prefixList => prefixList.Id))
                .Select(peer => new SecurityGroupRule(protocol, from, to, peer));
        })];

    /// <summary>One permission per protocol and port range, holding all its peers: EC2 treats it as the rules one by one.</summary>
    private static List<IpPermission> ToPermissions(IEnumerable<SecurityGroupRule> rules) =>
        [.. rules.GroupBy(rule => (rule.Protocol, rule.FromPort, rule.ToPort)).Select(range =>
        {
            var permission = range.Key.Protocol == "-1"
                ? new IpPermission { IpProtocol = "-1" }
                : new IpPermission { IpProtocol = range.Key.Protocol, FromPort = range.Key.FromPort, ToPort = range.Key.ToPort };
            List<T>? Peers<T>(Func<SecurityGroupRule, bool> kind, Func<string, T> peer) =>
                range.Where(kind).Select(rule => peer(rule.Peer)).ToList() is { Count: > 0 } peers ? peers : null;
            permission.UserIdGroupPairs = Peers(rule => rule.PeerIsGroup, peer => new UserIdGroupPair { GroupId = peer });
            permission.PrefixListIds = Peers(rule => rule.PeerIsPrefixList, peer => new PrefixListId { Id = peer });
            permission.Ipv6Ranges = Peers(rule => rule.PeerIsIpv6, peer => new Ipv6Range { CidrIpv6 = peer });
            permission.Ipv4Ranges = Peers(rule => !rule.PeerIsGroup && !rule.PeerIsPrefixList && !rule.PeerIsIpv6, peer => new IpRange { CidrIp = peer });
            return permission;
        })];
}
