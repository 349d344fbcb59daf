using System.Collections.Concurrent;
using System.Text.Json;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Tests.Fakes;

/// <summary>
/// An in-memory account behind every port, with the semantics the engine relies on (unique group names per VPC,
/// conditional record writes, records stored as JSON so later changes to the object do not leak in), a log of every
/// call in order, and fault injection on any call.
/// </summary>
internal sealed partial class FakeCloud : IEc2Api, IIamApi, IAutoScalingApi, ILoadBalancingApi, IClassicLoadBalancingApi, IRecordStore, ICallerIdentity
{
    public const string AccountId = "123456789012";
    public const string IsolationProfileArn = "arn:aws:iam::123456789012:instance-profile/ec2-isolation-deny-all";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _records = [];
    private int _ids;

    public ConcurrentQueue<string> Calls { get; } = new();
    public Dictionary<string, FakeInstance> Instances { get; } = [];
    public Dictionary<string, List<string>> EniGroups { get; } = [];
    public List<FakeGroup> Groups { get; } = [];
    public Dictionary<string, List<string>> ProfileRoles { get; } = new() { [IsolationProfileArn] = ["ec2-isolation-deny-all"] };
    public Dictionary<string, AutoScalingMembership> AutoScaling { get; } = [];
    public List<(string InstanceId, TargetRegistration Registration)> Targets { get; } = [];
    public List<(string SnapshotId, string InstanceId, IReadOnlyDictionary<string, string> Tags)> Snapshots { get; } = [];
    public List<ReplacementSpec> Launches { get; } = [];

    /// <summary>Called before every call with its name; throw from it to inject a fault.</summary>
    public Action<string>? BeforeCall { get; set; }

    /// <summary>Called by CreateTags with the tags it is about to write; throw from it to fail that call alone.</summary>
    public Action<IReadOnlyDictionary<string, string>>? BeforeCreateTags { get; set; }

    /// <summary>Names of the calls that change something, in the order they were made.</summary>
    public IReadOnlyList<string> Mutations => [.. Calls.Where(call => !call.StartsWith("Describe", StringComparison.Ordinal)
        && !call.StartsWith("Find", StringComparison.Ordinal) && !call.StartsWith("Get", StringComparison.Ordinal)
        && !call.StartsWith("List", StringComparison.Ordinal))];

    public FakeInstance AddInstance(string instanceId, string vpcId, int enis = 1, string? profileArn = null, bool dualStack = false)
    {
        var interfaces = Enumerable.Range(0, enis).Select(i => $"eni-{instanceId[2..]}{i}").ToList();
        foreach (var eni in interfaces)
        {
            EniGroups[eni] = ["sg-app" + eni[^1], "sg-shared"];
        }

        var instance = new FakeInstance
        {
            InstanceId = instanceId,
            VpcId = vpcId,
            Enis = interfaces,
            Volumes = [new VolumeAttachment("vol-" + instanceId[2..], "/dev/xvda", DeleteOnTermination: true)],
            Protection = new InstanceProtection(false, false, "terminate"),
            DualStack = dualStack,
        };
        if (profileArn is not null)
        {
            instance.Association = new ProfileAssociation("iip-assoc-" + NextId(), profileArn);
            ProfileRoles.TryAdd(profileArn, ["app-role"]);
        }

        Instances[instanceId] = instance;
        return instance;
    }

    /// <summary>Removes a record, as a table replaced and not yet migrated would lack it.</summary>
    public void ForgetRecord(string instanceId) => _records.Remove(instanceId);

    public IsolationRecord? StoredRecord(string instanceId)
    {
        lock (_lock)
        {
            return _records.TryGetValue(instanceId, out var json) ? Deserialize(json) : null;
        }
    }

    // ---- IRecordStore

    public Task<IsolationRecord?> GetAsync(string instanceId, CancellationToken cancellationToken) =>
        Call("GetItem", () => StoredRecord(instanceId));

    public Task PutAsync(IsolationRecord record, long? expectedVersion, CancellationToken cancellationToken) => Call("PutItem", () =>
    {
        lock (_lock)
        {
            var stored = _records.TryGetValue(record.InstanceId, out var json) ? Deserialize(json) : null;
            if (expectedVersion is null ? stored is not null : stored?.Version != expectedVersion)
            {
                throw new RecordConflictException($"version {stored?.Version} is not {expectedVersion}");
            }

            _records[record.InstanceId] = JsonSerializer.Serialize(record, IsolationJsonContext.Default.IsolationRecord);
        }

        return true;
    });

    public Task<IReadOnlyList<IsolationRecord>> ListAsync(CancellationToken cancellationToken) => Call("ListRecords", () =>
    {
        lock (_lock)
        {
            return (IReadOnlyList<IsolationRecord>)[.. _records.Values.Select(Deserialize)];
        }
    });

    // ---- ICallerIdentity

    public Task<string> GetCallerArnAsync(CancellationToken cancellationToken) =>
        Call("GetCallerIdentity", () => "arn:aws:sts::123456789012:assumed-role/Responder/alice");

    // ---- IEc2Api

    public Task<InstanceDescription?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken) =>
        Call("DescribeInstances", () => Instances.TryGetValue(instanceId, out var i) ? Describe(i) : null);

    public Task<IReadOnlyList<string>> FindInstanceIdsByTagAsync(string tagKey, string tagValue, CancellationToken cancellationToken) =>
        Call("DescribeInstances:tag", () => (IReadOnlyList<string>)[.. Instances.Values
            .Where(i => i.State != "terminated" && i.Tags.TryGetValue(tagKey, out var value) && value == tagValue).Select(i => i.InstanceId)]);

    public Task<InstanceProtection> DescribeProtectionAsync(string instanceId, CancellationToken cancellationToken) =>
        Call("DescribeInstanceAttribute", () => Instance(instanceId).Protection);

    public Task<ProfileAssociation?> DescribeProfileAssociationAsync(string instanceId, CancellationToken cancellationToken) =>
        Call("DescribeIamInstanceProfileAssociations", () => Instance(instanceId).Association);

    public Task<IReadOnlyList<SecurityGroupInfo>> FindSecurityGroupsAsync(string vpcId, IReadOnlyCollection<string> groupNames, CancellationToken cancellationToken) =>
        Call("DescribeSecurityGroups", () =>
        {
            lock (_lock)
            {
                if (TakeLaggingGroupRead())
                {
                    return (IReadOnlyList<SecurityGroupInfo>)[];
                }

                return (IReadOnlyList<SecurityGroupInfo>)[.. Groups.Where(g => g.VpcId == vpcId && groupNames.Contains(g.Name)).Select(g => g.ToInfo())];
            }
        });

    public Task<string> CreateSecurityGroupAsync(
        string vpcId, string groupName, string description, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        Call("CreateSecurityGroup", () =>
        {
            lock (_lock)
            {
                if (Groups.Exists(g => g.VpcId == vpcId && g.Name == groupName))
                {
                    throw new SecurityGroupExistsException($"{groupName} exists in {vpcId}");
                }

                var group = new FakeGroup { GroupId = "sg-" + NextId(), Name = groupName, VpcId = vpcId };
                group.Egress.Add(SecurityGroupRule.AllTraffic("0.0.0.0/0"));
                if (NewGroupsGetIpv6Egress && Instances.Values.Any(i => i.VpcId == vpcId && i.DualStack))
                {
                    group.Egress.Add(SecurityGroupRule.AllTraffic("::/0"));
                }

                Groups.Add(group);
                OnGroupCreated(group.GroupId);
                return group.GroupId;
            }
        });

    public Task AuthorizeAsync(string groupId, RuleDirection direction, IReadOnlyList<SecurityGroupRule> rules, CancellationToken cancellationToken) =>
        Call("Authorize" + direction, () =>
        {
            lock (_lock)
            {
                ThrowIfUnknownYet([groupId]);
                var list = Group(groupId).Rules(direction);
                list.AddRange(rules.Where(rule => !list.Contains(rule)));
            }

            return true;
        });

    public Task RevokeAsync(string groupId, RuleDirection direction, IReadOnlyList<SecurityGroupRule> rules, CancellationToken cancellationToken) =>
        Call("Revoke" + direction, () =>
        {
            lock (_lock)
            {
                ThrowIfUnknownYet([groupId]);
                Group(groupId).Rules(direction).RemoveAll(rules.Contains);
            }

            return true;
        });

    public Task SetNetworkInterfaceGroupsAsync(string networkInterfaceId, IReadOnlyList<string> groupIds, CancellationToken cancellationToken) =>
        Call("ModifyNetworkInterfaceAttribute:" + string.Join(",", groupIds) + "@" + networkInterfaceId, () =>
        {
            ThrowIfInterfaceGone(networkInterfaceId);
            ThrowIfGroupGone(groupIds);
            lock (_lock)
            {
                ThrowIfUnknownYet(groupIds);
                ThrowIfOfAnotherVpc(networkInterfaceId, groupIds);
                RememberBeforeChange(networkInterfaceId);
                EniGroups[networkInterfaceId] = [.. groupIds];
            }

            return true;
        });

    public Task<IReadOnlyList<NetworkInterfaceGroups>> DescribeNetworkInterfaceGroupsAsync(
        IReadOnlyList<string> networkInterfaceIds, CancellationToken cancellationToken) =>
        Call("DescribeNetworkInterfaces", () =>
        {
            lock (_lock)
            {
                var stale = TakeStaleRead();
                return (IReadOnlyList<NetworkInterfaceGroups>)[.. networkInterfaceIds.Select(id => new NetworkInterfaceGroups(id, [.. ReadGroups(id, stale)]) { VpcId = VpcOfEni(id) })];
            }
        });

    public Task<string> ReplaceProfileAssociationAsync(string associationId, string instanceProfile, CancellationToken cancellationToken) =>
        Call("ReplaceIamInstanceProfileAssociation", () =>
        {
            ThrowIfProfileGone(instanceProfile);
            var instance = Instances.Values.Single(i => i.Association?.AssociationId == associationId);
            RefuseReplace(instance);
            instance.Association = new ProfileAssociation("iip-assoc-" + NextId(), ToArn(instanceProfile));
            return instance.Association.AssociationId;
        });

    public Task<string> AssociateProfileAsync(string instanceId, string instanceProfile, CancellationToken cancellationToken) =>
        Call("AssociateIamInstanceProfile", () =>
        {
            ThrowIfProfileGone(instanceProfile);
            var instance = Instance(instanceId);
            RefuseAssociate(instance);

            instance.Association = new ProfileAssociation("iip-assoc-" + NextId(), ToArn(instanceProfile));
            return instance.Association.AssociationId;
        });

    public Task DisassociateProfileAsync(string associationId, CancellationToken cancellationToken) =>
        Call("DisassociateIamInstanceProfile", () =>
        {
            Instances.Values.Single(i => i.Association?.AssociationId == associationId).Association = null;
            return true;
        });

    public Task SetProtectionAsync(string instanceId, InstanceProtection protection, ProtectionAttributes attributes, CancellationToken cancellationToken) =>
        // Stop protection alone is lifted for a stop after evidence: named apart from the protection step's call.
        Call(attributes == ProtectionAttributes.Stop ? "ModifyInstanceAttribute:stop-protection" : "ModifyInstanceAttribute:protection", () =>
        {
            var instance = Instance(instanceId);
            RefuseProtection(instance, attributes);
            instance.Protection = new InstanceProtection(
                attributes.HasFlag(ProtectionAttributes.Termination) ? protection.DisableApiTermination : instance.Protection.DisableApiTermination,
                attributes.HasFlag(ProtectionAttributes.Stop) ? protection.DisableApiStop : instance.Protection.DisableApiStop,
                attributes.HasFlag(ProtectionAttributes.ShutdownBehavior) ? protection.ShutdownBehavior : instance.Protection.ShutdownBehavior);
            return true;
        });

    public Task SetDeleteOnTerminationAsync(string instanceId, IReadOnlyList<VolumeAttachment> volumes, CancellationToken cancellationToken) =>
        Call("ModifyInstanceAttribute:volumes", () =>
        {
            var instance = Instance(instanceId);
            RefuseAttributeChange(instance);
            instance.Volumes = [.. instance.Volumes.Select(v => volumes.FirstOrDefault(c => c.DeviceName == v.DeviceName) ?? v)];
            return true;
        });

    public Task<IReadOnlyList<string>> FindSnapshotsAsync(string tagKey, string tagValue, CancellationToken cancellationToken) =>
        Call("DescribeSnapshots", () =>
        {
            lock (_lock)
            {
                return (IReadOnlyList<string>)[.. Snapshots.Where(s => s.Tags.TryGetValue(tagKey, out var value) && value == tagValue).Select(s => s.SnapshotId)];
            }
        });

    public Task<IReadOnlyList<string>> CreateSnapshotsAsync(string instanceId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        Call("CreateSnapshots", () =>
        {
            var volumes = Instance(instanceId).Volumes;
            var ids = volumes.Select(_ => "snap-" + NextId()).ToList();
            lock (_lock)
            {
                Snapshots.AddRange(ids.Select(id => (id, instanceId, tags)));
                RememberSnapshots(ids.Zip(volumes, (id, volume) => (id, volume.VolumeId)), tags);
            }

            return (IReadOnlyList<string>)ids;
        });

    public Task CreateTagsAsync(string resourceId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        Call("CreateTags", () =>
        {
            BeforeCreateTags?.Invoke(tags);
            foreach (var tag in tags)
            {
                Instance(resourceId).Tags[tag.Key] = tag.Value;
            }

            return true;
        });

    public Task DeleteTagsAsync(string resourceId, IReadOnlyCollection<string> tagKeys, CancellationToken cancellationToken) =>
        Call("DeleteTags", () =>
        {
            foreach (var key in tagKeys)
            {
                Instance(resourceId).Tags.Remove(key);
            }

            return true;
        });

    /// <summary>A new instance in the subnet's VPC, with one ENI carrying the groups and the profile associated.</summary>
    public Task<string> RunReplacementAsync(ReplacementSpec spec, CancellationToken cancellationToken) =>
        Call("RunInstances", () =>
        {
            var vpcId = Instances.Values.First(i => i.SubnetId == spec.SubnetId).VpcId;
            var instance = AddInstance("i-" + NextId() + "000000000", vpcId, profileArn: spec.InstanceProfileArn);
            instance.InstanceType = spec.InstanceType;
            EniGroups[instance.Enis[0]] = [.. spec.SecurityGroupIds];
            foreach (var tag in spec.Tags)
            {
                instance.Tags[tag.Key] = tag.Value;
            }

            Launches.Add(spec);
            return instance.InstanceId;
        });

    // ---- IAutoScalingApi

    public Task<AutoScalingMembership?> DescribeMembershipAsync(string instanceId, CancellationToken cancellationToken) =>
        Call("DescribeAutoScalingInstances", () => AutoScaling.GetValueOrDefault(instanceId));

    public Task EnterStandbyAsync(string groupName, string instanceId, CancellationToken cancellationToken) =>
        Call("EnterStandby", () => AutoScaling[instanceId] = new AutoScalingMembership(groupName, "Standby"));

    public Task ExitStandbyAsync(string groupName, string instanceId, CancellationToken cancellationToken) =>
        Call("ExitStandby", () =>
        {
            ThrowIfAutoScalingGroupGone(groupName);
            return AutoScaling[instanceId] = new AutoScalingMembership(groupName, "InService");
        });

    // ---- ILoadBalancingApi

    public Task<IReadOnlyList<TargetRegistration>> FindRegistrationsAsync(InstanceDescription instance, CancellationToken cancellationToken) =>
        Call("DescribeTargetHealth", () => (IReadOnlyList<TargetRegistration>)[.. Targets.Where(t => t.InstanceId == instance.InstanceId).Select(t => t.Registration)]);

    public Task DeregisterAsync(string instanceId, TargetRegistration registration, CancellationToken cancellationToken) =>
        Call("DeregisterTargets", () =>
        {
            lock (_lock)
            {
                return Targets.Remove((instanceId, registration));
            }
        });

    public Task RegisterAsync(string instanceId, TargetRegistration registration, CancellationToken cancellationToken) =>
        Call("RegisterTargets", () =>
        {
            ThrowIfTargetGroupGone(registration.TargetGroupArn);
            RefuseRegistration(instanceId, registration);
            lock (_lock)
            {
                if (!Targets.Contains((instanceId, registration)))
                {
                    Targets.Add((instanceId, registration));
                }
            }

            return true;
        });

    // ---- helpers

    private async Task<T> Call<T>(string name, Func<T> body)
    {
        await Task.Yield();
        Calls.Enqueue(name);
        BeforeCall?.Invoke(name);
        ThrowIfThrottled(name);
        return body();
    }

    private FakeInstance Instance(string instanceId) =>
        Instances.TryGetValue(instanceId, out var instance) ? instance : throw new InvalidOperationException($"InvalidInstanceID.NotFound: {instanceId}");

    private FakeGroup Group(string groupId) => Groups.Single(g => g.GroupId == groupId);

    private InstanceDescription Describe(FakeInstance instance)
    {
        lock (_lock)
        {
            return new InstanceDescription
            {
                InstanceId = instance.InstanceId,
                AccountId = AccountId,
                State = instance.State,
                VpcId = instance.VpcId,
                IsSpot = instance.IsSpot,
                HasInstanceStoreRoot = instance.InstanceStoreRoot,
                NetworkInterfaces = [.. instance.Enis.Select(eni => new NetworkInterfaceGroups(eni, [.. EniGroups[eni]]) { VpcId = VpcOfEni(eni), IsTrunk = TrunkEnis.Contains(eni) })],
                Volumes = instance.Volumes,
                Tags = new Dictionary<string, string>(instance.Tags),
                SubnetId = instance.SubnetId,
                InstanceType = instance.InstanceType,
                GroupNames = instance.Enis.SelectMany(eni => EniGroups[eni]).Distinct()
                    .ToDictionary(id => id, id => Groups.Find(g => g.GroupId == id)?.Name ?? id),
                UsesIpv6 = instance.DualStack,
                KeyName = instance.KeyName,
                Boot = instance.Boot,
            };
        }
    }

    private static string ToArn(string profile) =>
        profile.StartsWith("arn:", StringComparison.Ordinal) ? profile : $"arn:aws:iam::{AccountId}:instance-profile/{profile}";

    private string NextId() => Interlocked.Increment(ref _ids).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    private static IsolationRecord Deserialize(string json) => JsonSerializer.Deserialize(json, IsolationJsonContext.Default.IsolationRecord)!;
}

internal sealed class FakeInstance
{
    public required string InstanceId { get; init; }
    public required string VpcId { get; init; }
    public required List<string> Enis { get; init; }
    public string State { get; set; } = "running";
    public string SubnetId { get; set; } = "subnet-1";
    public string InstanceType { get; set; } = "t3.micro";
    public bool IsSpot { get; set; }
    public bool InstanceStoreRoot { get; set; }
    public bool DualStack { get; init; }
    public required IReadOnlyList<VolumeAttachment> Volumes { get; set; }
    public required InstanceProtection Protection { get; set; }
    public ProfileAssociation? Association { get; set; }
    public Dictionary<string, string> Tags { get; } = [];
    public string? KeyName { get; set; }
    public BootTraits? Boot { get; set; } = new("/dev/xvda", "x86_64", "Linux/UNIX", "uefi-preferred", EnaSupport: true);
}

internal sealed class FakeGroup
{
    public required string GroupId { get; init; }
    public required string Name { get; init; }
    public required string VpcId { get; init; }
    public List<SecurityGroupRule> Ingress { get; } = [];
    public List<SecurityGroupRule> Egress { get; } = [];

    public List<SecurityGroupRule> Rules(RuleDirection direction) => direction == RuleDirection.Ingress ? Ingress : Egress;

    public SecurityGroupInfo ToInfo() => new() { GroupId = GroupId, GroupName = Name, VpcId = VpcId, Ingress = [.. Ingress], Egress = [.. Egress] };
}
