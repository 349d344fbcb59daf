using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Events;

/// <summary>
/// Issue 16 item 3: the sweep checks every isolation in force, tagged or not. A terminated instance's network ACL denies
/// are removed (EC2 gives its addresses to the next instance) and its record closed; denies someone removed (or overtook
/// with an allow entry) are put back; an ENI attached after the isolation is contained and its addresses cut.
/// </summary>
public sealed class SweepRecordsTests
{
    private const string InstanceId = "i-0123456789abcdef0";
    private const string VpcId = "vpc-1";

    private readonly FakeCloud _cloud = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));
    private readonly IsolationSettings _settings = new() { TableName = "records", IsolationInstanceProfile = FakeCloud.IsolationProfileArn };
    private readonly FakeAcl _natAcl;

    /// <summary>An instance in a private subnet behind a NAT gateway, isolated by an analyst (no trigger tag): its NAT subnet's ACL holds its denies.</summary>
    public SweepRecordsTests()
    {
        _cloud.AddInstance(InstanceId, VpcId);
        (_, _natAcl) = _cloud.AddNatVpc(VpcId);
        Service.IsolateAsync(new IsolationRequest(InstanceId, "C2 via NAT", "INC-16", "analyst"), CancellationToken.None).GetAwaiter().GetResult();
        _cloud.Calls.Clear();
    }

    private IsolationService Service => FakeAccounts.Service(_cloud, _settings, _time);

    private Task<EventResult> SweepAsync() =>
        new IsolationEventProcessor(FakeAccounts.Router(FakeAccounts.Services(Service, _cloud)), _settings, NullLogger<IsolationEventProcessor>.Instance)
            .HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep), CancellationToken.None);

    private IEnumerable<(bool Egress, string Cidr)> Denies => _natAcl.Denies.Select(e => (e.Egress, e.Cidr)).Order();

    [Theory]
    [InlineData(true, "terminated")]
    [InlineData(false, "not found")]
    public async Task HandleAsync_IsolatedInstanceGone_ItsDeniesRemovedAndItsRecordClosedSayingWhat(bool stillDescribed, string state)
    {
        var recorded = _cloud.StoredRecord(InstanceId)!.Artifacts.NetworkAclDenies;
        if (stillDescribed)
        {
            _cloud.Instances[InstanceId].State = "terminated";
        }
        else
        {
            _cloud.Instances.Remove(InstanceId);
        }

        var result = await SweepAsync();

        Assert.Empty(_natAcl.Denies);
        var outcome = Assert.Single(result.Instances);
        Assert.Equal((InstanceId, Outcomes.Closed), (outcome.InstanceId, outcome.Outcome));
        Assert.Contains("1 record(s) of instances that no longer exist closed", result.Message, StringComparison.Ordinal);
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal(IsolationStatus.Released, record.Status);
        Assert.Equal(state, record.InstanceGone!.InstanceState);
        Assert.Equal(_time.GetUtcNow(), record.InstanceGone.ClosedAt);
        Assert.Equal(recorded, record.InstanceGone.RemovedNetworkAclDenies);
        Assert.Empty(record.Artifacts.NetworkAclDenies);
        Assert.StartsWith("sweep ", record.ReleasedBy, StringComparison.Ordinal);
        Assert.Contains(record.NotRestored, line => line.Contains(state, StringComparison.Ordinal));
    }

    [Fact]
    public async Task HandleAsync_InstanceTerminatedAndOneDenyDeletedBySomeoneElse_OnlyTheOtherDeletedAndRecordedAsRemoved()
    {
        var gone = _natAcl.Denies.Single(e => e.Egress);
        _natAcl.Entries.Remove(gone);
        _cloud.Instances[InstanceId].State = "terminated";

        await SweepAsync();

        Assert.Empty(_natAcl.Denies);
        Assert.Equal(0, _cloud.MissingAclEntryDeletes);
        Assert.Equal([false], _cloud.StoredRecord(InstanceId)!.InstanceGone!.RemovedNetworkAclDenies.Select(e => e.Egress));
    }

    [Fact]
    public async Task HandleAsync_TwiceAfterTheInstanceTerminated_SecondChangesNothing()
    {
        _cloud.Instances[InstanceId].State = "terminated";
        await SweepAsync();
        _cloud.Calls.Clear();

        var second = await SweepAsync();

        Assert.Empty(second.Instances);
        Assert.Empty(_cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_InstanceShuttingDown_DeniesKeptUntilItIsTerminated()
    {
        _cloud.Instances[InstanceId].State = "shutting-down";

        var result = await SweepAsync();

        Assert.Empty(result.Instances);
        Assert.Equal(2, _natAcl.Denies.Count());
        Assert.Empty(_cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_IsolatedAndNothingDrifted_AlreadyIsolatedAndNothingChanged()
    {
        var result = await SweepAsync();

        Assert.Equal([(InstanceId, Outcomes.AlreadyIsolated)], result.Instances.Select(i => (i.InstanceId, i.Outcome)));
        Assert.Empty(_cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_DenyDeletedBySomeoneElse_PutBackAheadOfTheAllowsAndReported()
    {
        var deleted = _natAcl.Denies.Single(e => !e.Egress);
        _natAcl.Entries.Remove(deleted);

        var result = await SweepAsync();

        Assert.Equal([(false, "10.0.1.10/32"), (true, "10.0.1.10/32")], Denies);
        Assert.All(_natAcl.Denies, deny => Assert.True(deny.RuleNumber < 100));
        var outcome = Assert.Single(result.Instances);
        Assert.Equal(Outcomes.Isolated, outcome.Outcome);
        Assert.Contains($"acl-public rule {deleted.RuleNumber} ingress deny 10.0.1.10/32", outcome.Message, StringComparison.Ordinal);
        Assert.Contains("put back", outcome.Message, StringComparison.Ordinal);
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal(IsolationStatus.Isolated, record.Status);
        Assert.Equal(_natAcl.Denies.Select(e => (e.RuleNumber, e.Egress)).Order(), record.Artifacts.NetworkAclDenies.Select(e => (e.RuleNumber, e.Egress)).Order());
    }

    [Fact]
    public async Task HandleAsync_AllowEntryAddedAheadOfTheDenies_NewDenyAheadOfIt()
    {
        _natAcl.Entries.Add(new NetworkAclRule(50, Egress: false, Allow: true, "6", "0.0.0.0/0"));

        var result = await SweepAsync();

        Assert.Equal(Outcomes.Isolated, Assert.Single(result.Instances).Outcome);
        Assert.Contains(_natAcl.Denies, deny => deny is { Egress: false, RuleNumber: < 50 });
        _cloud.Calls.Clear();
        Assert.Equal(Outcomes.AlreadyIsolated, Assert.Single((await SweepAsync()).Instances).Outcome);
        Assert.Empty(_cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_DenyDeletedAndNoFreeRuleNumberAheadOfTheAllows_FailsLoudlyNamingTheAcl()
    {
        _natAcl.Entries.Remove(_natAcl.Denies.Single(e => !e.Egress));
        _natAcl.Entries.Add(new NetworkAclRule(1, Egress: false, Allow: true, "6", "10.0.0.0/16"));

        var error = await Assert.ThrowsAsync<IsolationFailedException>(SweepAsync);

        Assert.Contains("acl-public has no free ingress rule number ahead of its first allow entry (1)", error.Message, StringComparison.Ordinal);
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Contains(record.Artifacts.OpenPaths, path => path.Reason.Contains("acl-public", StringComparison.Ordinal));
        Assert.Contains(StepNames.Network, record.CompletedSteps);
    }

    [Fact]
    public async Task HandleAsync_RuleNumberTakenBySomeoneElseWhileTheDenyIsPutBack_NextFreeNumberUsed()
    {
        var deleted = _natAcl.Denies.Single(e => !e.Egress);
        _natAcl.Entries.Remove(deleted);
        var theirs = new NetworkAclRule(deleted.RuleNumber, Egress: false, Allow: false, "6", "192.0.2.0/24");
        var raced = false;
        _cloud.BeforeCall = call =>
        {
            // A network team's run takes the number between the ACL's read and the create.
            if (call == "CreateNetworkAclEntry" && !raced)
            {
                raced = true;
                _natAcl.Entries.Add(theirs);
            }
        };

        var result = await SweepAsync();

        Assert.Equal(Outcomes.Isolated, Assert.Single(result.Instances).Outcome);
        Assert.Contains(theirs, _natAcl.Entries);
        Assert.Contains(_natAcl.Denies, deny => deny is { Egress: false, Cidr: "10.0.1.10/32" } && deny.RuleNumber != deleted.RuleNumber);
        Assert.DoesNotContain(_cloud.StoredRecord(InstanceId)!.Artifacts.NetworkAclDenies, entry => entry.RuleNumber == deleted.RuleNumber && !entry.Egress);
    }

    [Fact]
    public async Task HandleAsync_EniAttachedAfterTheIsolation_ContainedAndItsAddressCut()
    {
        const string attached = "eni-attached";
        _cloud.Instances[InstanceId].Enis.Add(attached);
        _cloud.EniGroups[attached] = ["sg-app"];
        _cloud.EniAddresses[attached] = new NetworkInterfaceAddresses(attached, VpcId, "subnet-1", ["10.0.1.77"]);

        var result = await SweepAsync();

        Assert.Equal(Outcomes.Isolated, Assert.Single(result.Instances).Outcome);
        Assert.Equal([_cloud.StoredRecord(InstanceId)!.Artifacts.QuarantineGroupId!], _cloud.EniGroups[attached]);
        Assert.Equal([(false, "10.0.1.10/32"), (false, "10.0.1.77/32"), (true, "10.0.1.10/32"), (true, "10.0.1.77/32")], Denies);
    }

    [Fact]
    public async Task HandleAsync_RecordsCannotBeListed_TaggedInstancesSweptThenFailsLoudly()
    {
        _cloud.AddInstance("i-0fedcba9876543210", VpcId).Tags[_settings.TriggerTagKey] = _settings.TriggerTagValue;
        _cloud.BeforeCall = call =>
        {
            if (call == "ListRecords")
            {
                throw new InvalidOperationException("ThrottlingException");
            }
        };

        var error = await Assert.ThrowsAsync<IsolationFailedException>(SweepAsync);

        Assert.Contains("the isolation records could not be listed", error.Message, StringComparison.Ordinal);
        Assert.Equal(IsolationStatus.Isolated, _cloud.StoredRecord("i-0fedcba9876543210")!.Status);
    }
}
