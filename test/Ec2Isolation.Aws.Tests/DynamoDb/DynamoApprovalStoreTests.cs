using Amazon.DynamoDBv2;
using Ec2Isolation.Aws.DynamoDb;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.DynamoDb;

[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class DynamoApprovalStoreTests(MotoServer moto) : IAsyncLifetime
{
    private const string TableName = "approval-records";
    private const string Account = "123456789012";
    private const string Region = "eu-west-1";
    private const string InstanceId = "i-0123456789abcdef0";
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly IAmazonDynamoDB _dynamo = moto.Clients().CreateDynamoDb();
    private DynamoApprovalStore _store = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        await MotoAccount.CreateRecordTableAsync(_dynamo, TableName);
        _store = new DynamoApprovalStore(_dynamo, TableName);
    }

    public Task DisposeAsync()
    {
        _dynamo.Dispose();
        return Task.CompletedTask;
    }

    private static ApprovalRequest Request(string instanceId = InstanceId, long version = 1) => new()
    {
        RequestId = "0123456789abcdef0123456789abcdef",
        AccountId = Account,
        Region = Region,
        InstanceId = instanceId,
        Trigger = Triggers.GuardDuty,
        Reason = "GuardDuty finding at severity 5",
        FindingId = "7ac3a7bd5ed6ec35a4bbd3d9a7a2a0b1",
        Severity = 5,
        SourceEventId = "event-1",
        RequestedAt = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero),
        ExpiresAt = new DateTimeOffset(2026, 11, 25, 10, 30, 0, TimeSpan.Zero),
        OnExpiry = ExpiryAction.Contain,
        Evidence = new() { ["Name"] = "web-1" },
        Version = version,
    };

    [Fact]
    public async Task PutAsync_NewRequest_ReadsBackWhole()
    {
        await _store.PutAsync(Request(), null, None);

        var read = (await _store.GetAsync(Account, Region, InstanceId, None))!;

        Assert.Equal(("0123456789abcdef0123456789abcdef", ApprovalStatus.Pending, "web-1", 5.0), (read.RequestId, read.Status, read.Evidence["Name"], read.Severity));
        Assert.Equal($"{Account}/{Region}/{InstanceId}/0123456789abcdef0123456789abcdef", read.ButtonValue);
    }

    [Fact]
    public async Task PutAsync_SecondNewRequestForTheInstance_Conflict()
    {
        await _store.PutAsync(Request(), null, None);

        await Assert.ThrowsAsync<RecordConflictException>(() => _store.PutAsync(Request(), null, None));
    }

    [Fact]
    public async Task PutAsync_TwoDecisionsFromTheSameVersion_SecondIsAConflictAndTheFirstStands()
    {
        await _store.PutAsync(Request(), null, None);
        var approve = Request(version: 2);
        approve.Status = ApprovalStatus.Approved;
        var deny = Request(version: 2);
        deny.Status = ApprovalStatus.Denied;

        await _store.PutAsync(approve, 1, None);
        await Assert.ThrowsAsync<RecordConflictException>(() => _store.PutAsync(deny, 1, None));

        Assert.Equal(ApprovalStatus.Approved, (await _store.GetAsync(Account, Region, InstanceId, None))!.Status);
    }

    [Fact]
    public async Task PutAsync_LateTicketKeyAfterADecisionFromTheSameVersion_ConflictAndTheDecisionStandsWithoutTheKey()
    {
        await _store.PutAsync(Request(), null, None);
        var decided = Request(version: 2);
        decided.Status = ApprovalStatus.Denied;
        var lateTicket = Request(version: 2);
        lateTicket.TicketKey = "SEC-7";

        await _store.PutAsync(decided, 1, None);
        await Assert.ThrowsAsync<RecordConflictException>(() => _store.PutAsync(lateTicket, 1, None));

        var read = (await _store.GetAsync(Account, Region, InstanceId, None))!;
        Assert.Equal((ApprovalStatus.Denied, null), (read.Status, read.TicketKey));
    }

    [Fact]
    public async Task ListPendingAsync_PendingDecidedAndIsolationRecords_OnlyThePendingRequests()
    {
        await _store.PutAsync(Request(), null, None);
        var decided = Request("i-0123456789abcdef1");
        decided.Status = ApprovalStatus.Denied;
        await _store.PutAsync(decided, null, None);
        var records = new DynamoRecordStore(_dynamo, TableName, new KnownAccount(Account), Region);
        await records.PutAsync(SampleRecords.Record(InstanceId), null, None);

        var pending = await _store.ListPendingAsync(None);

        Assert.Equal([InstanceId], pending.Select(r => r.InstanceId));
        // The record listing never sees an approval request.
        Assert.Equal([InstanceId], (await records.ListAsync(None)).Select(r => r.InstanceId));
    }

    [Fact]
    public async Task ListDecidedNotActedAsync_PendingActedAndUnacted_OnlyTheDecisionsNobodyActedOn()
    {
        await _store.PutAsync(Request(), null, None);
        var approved = Request("i-0123456789abcdef1");
        approved.Status = ApprovalStatus.Approved;
        await _store.PutAsync(approved, null, None);
        var denied = Request("i-0123456789abcdef2");
        denied.Status = ApprovalStatus.Denied;
        await _store.PutAsync(denied, null, None);
        var acted = Request("i-0123456789abcdef3");
        acted.Status = ApprovalStatus.Approved;
        acted.Outcome = "Approved by slack:U0123ABCD (responder): isolated.";
        await _store.PutAsync(acted, null, None);

        var unacted = await _store.ListDecidedNotActedAsync(None);

        Assert.Equal(["i-0123456789abcdef1", "i-0123456789abcdef2"], unacted.Select(r => r.InstanceId).Order(StringComparer.Ordinal));
    }
}
