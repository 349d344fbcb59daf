using Amazon.DynamoDBv2;
using Ec2Isolation.Aws.DynamoDb;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.DynamoDb;

[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class DynamoRecordStoreTests(MotoServer moto) : IAsyncLifetime
{
    private const string TableName = "isolation-records";
    private const string Account = "123456789012";
    private const string Region = "eu-west-1";
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly IAmazonDynamoDB _dynamo = moto.Clients().CreateDynamoDb();
    private DynamoRecordStore _store = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        await MotoAccount.CreateRecordTableAsync(_dynamo, TableName);
        _store = Store(Account);
    }

    public Task DisposeAsync()
    {
        _dynamo.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task GetAsync_NoRecord_ReturnsNull() =>
        Assert.Null(await _store.GetAsync("i-0123456789abcdef0", None));

    [Fact]
    public async Task PutAsync_NewRecord_ReadsBackWholeRecordAndItsAttributes()
    {
        var record = NewRecord("i-0000000000000000a");
        record.Artifacts.SnapshotIds.Add("snap-1");
        record.CompletedSteps.Add("network");

        await _store.PutAsync(record, expectedVersion: null, None);

        var stored = await _store.GetAsync(record.InstanceId, None);
        Assert.Equivalent(record, stored, strict: true);
        var item = (await _dynamo.GetItemAsync(TableName, new() { ["RecordKey"] = new() { S = $"{Account}/{Region}/{record.InstanceId}" } })).Item;
        Assert.Equal(
            (record.InstanceId, Account, Region, "1", "Isolating", "INC-1", "2026-11-25T10:01:00.0000000+00:00"),
            (item["InstanceId"].S, item["AccountId"].S, item["Region"].S, item["Version"].N, item["Status"].S, item["IncidentId"].S, item["UpdatedAt"].S));
    }

    [Fact]
    public async Task PutAsync_CreateTwice_ThrowsRecordConflict()
    {
        await _store.PutAsync(NewRecord("i-0000000000000000a"), expectedVersion: null, None);
        var another = NewRecord("i-0000000000000000a");
        another.LeaseOwner = "another-run";

        var error = await Assert.ThrowsAsync<RecordConflictException>(() => _store.PutAsync(another, expectedVersion: null, None));
        Assert.Contains("i-0000000000000000a", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PutAsync_RetryOfAWriteThatLanded_SucceedsAndKeepsIt(bool update)
    {
        // What the SDK's retry of a write whose answer was lost sends: the very same write, whose condition its first
        // attempt now fails.
        var record = NewRecord("i-0000000000000000a");
        record.LeaseOwner = "this-run";
        long? expected = null;
        await _store.PutAsync(record, expected, None);
        if (update)
        {
            expected = record.Version;
            record.Version++;
            record.CompletedSteps.Add("network");
            await _store.PutAsync(record, expected, None);
        }

        await _store.PutAsync(record, expected, None);

        Assert.Equivalent(record, await _store.GetAsync(record.InstanceId, None), strict: true);
    }

    [Fact]
    public async Task PutAsync_ExpectedVersionMatches_WritesNextVersion()
    {
        var record = NewRecord("i-0000000000000000a");
        await _store.PutAsync(record, expectedVersion: null, None);
        record.Version = 2;
        record.Status = IsolationStatus.Isolated;

        await _store.PutAsync(record, expectedVersion: 1, None);

        var stored = await _store.GetAsync(record.InstanceId, None);
        Assert.Equal((2, IsolationStatus.Isolated), (stored!.Version, stored.Status));
    }

    [Fact]
    public async Task PutAsync_StaleVersion_ThrowsRecordConflictAndKeepsTheStoredRecord()
    {
        var record = NewRecord("i-0000000000000000a");
        await _store.PutAsync(record, expectedVersion: null, None);
        record.Version = 2;
        await _store.PutAsync(record, expectedVersion: 1, None);
        record.Version = 3;
        record.Status = IsolationStatus.Releasing;

        await Assert.ThrowsAsync<RecordConflictException>(() => _store.PutAsync(record, expectedVersion: 1, None));

        var stored = await _store.GetAsync(record.InstanceId, None);
        Assert.Equal((2, IsolationStatus.Isolating), (stored!.Version, stored.Status));
    }

    [Fact]
    public async Task PutAsync_SameInstanceIdInTwoAccounts_KeepsTwoRecords()
    {
        // Instance ids are unique within an account and region only: the key must hold both.
        var member = Store("111111111111");
        await _store.PutAsync(NewRecord("i-0000000000000000a"), expectedVersion: null, None);
        var other = NewRecord("i-0000000000000000a", "111111111111");
        other.Status = IsolationStatus.Released;

        await member.PutAsync(other, expectedVersion: null, None);

        Assert.Equal((Account, IsolationStatus.Isolating), Facts(await _store.GetAsync("i-0000000000000000a", None)));
        Assert.Equal(("111111111111", IsolationStatus.Released), Facts(await member.GetAsync("i-0000000000000000a", None)));
        Assert.Equal(["111111111111", Account], (await _store.ListAsync(None)).Select(record => record.AccountId).Order());
    }

    [Fact]
    public async Task PutAsync_RecordOfAnotherAccount_ThrowsAndWritesNothing()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => _store.PutAsync(NewRecord("i-0000000000000000a", "111111111111"), expectedVersion: null, None));

        Assert.Contains("111111111111", error.Message, StringComparison.Ordinal);
        Assert.Empty(await _store.ListAsync(None));
    }

    [Fact]
    public async Task ListAsync_SeveralRecords_ReturnsThemAll()
    {
        string[] instanceIds = ["i-0000000000000000a", "i-0000000000000000b", "i-0000000000000000c"];
        foreach (var instanceId in instanceIds)
        {
            await _store.PutAsync(NewRecord(instanceId), expectedVersion: null, None);
        }

        var records = await _store.ListAsync(None);

        Assert.Equivalent(instanceIds, records.Select(record => record.InstanceId), strict: true);
    }

    [Fact]
    public async Task Calls_MissingTable_ThrowNamingTheTable()
    {
        var store = new DynamoRecordStore(_dynamo, "no-such-table", new KnownAccount(Account), Region);

        var errors = new[]
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => store.GetAsync("i-0000000000000000a", None)),
            await Assert.ThrowsAsync<InvalidOperationException>(() => store.PutAsync(NewRecord("i-0000000000000000a"), null, None)),
            await Assert.ThrowsAsync<InvalidOperationException>(() => store.ListAsync(None)),
        };

        Assert.All(errors, error => Assert.Contains("'no-such-table'", error.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RoleRevocation_NewThenNextVersion_ReadsBackEveryFieldWithoutARecordAttribute()
    {
        var before = new DateTimeOffset(2026, 11, 25, 10, 0, 1, TimeSpan.Zero);
        await RoleStore.PutAsync(new RoleRevocation { RoleName = "app-role", Version = 1, InstanceIds = ["i-0a"] }, expectedVersion: null, None);
        await RoleStore.PutAsync(new RoleRevocation { RoleName = "app-role", Version = 2, InstanceIds = ["i-0a", "i-0b"], RoleWideBefore = before }, expectedVersion: 1, None);

        var stored = await RoleStore.GetAsync("app-role", None);

        Assert.Equivalent(new RoleRevocation { RoleName = "app-role", Version = 2, InstanceIds = ["i-0a", "i-0b"], RoleWideBefore = before }, stored, strict: true);
        var item = (await _dynamo.GetItemAsync(TableName, new() { ["RecordKey"] = new() { S = $"{Account}/iam-role/app-role" } })).Item;
        Assert.Equal(DynamoRoleRevocationStore.ItemType, item["ItemType"].S);
        Assert.False(item.ContainsKey("Record"));
    }

    [Fact]
    public async Task RoleRevocation_StaleVersionOrSecondCreate_ThrowsRecordConflictAndKeepsTheOther()
    {
        await RoleStore.PutAsync(new RoleRevocation { RoleName = "app-role", Version = 1, InstanceIds = ["i-0a"] }, expectedVersion: null, None);

        await Assert.ThrowsAsync<RecordConflictException>(() =>
            RoleStore.PutAsync(new RoleRevocation { RoleName = "app-role", Version = 1, InstanceIds = ["i-0b"] }, expectedVersion: null, None));
        await Assert.ThrowsAsync<RecordConflictException>(() =>
            RoleStore.PutAsync(new RoleRevocation { RoleName = "app-role", Version = 3, InstanceIds = ["i-0b"] }, expectedVersion: 2, None));

        Assert.Equal(["i-0a"], (await RoleStore.GetAsync("app-role", None))!.InstanceIds);
        Assert.Null(await RoleStore.GetAsync("other-role", None));
    }

    [Fact]
    public async Task ListAsyncAndMigration_TableHoldsARoleRevocationList_SeeOnlyTheRecords()
    {
        await RoleStore.PutAsync(new RoleRevocation { RoleName = "app-role", Version = 1, InstanceIds = ["i-0123456789abcdef0"] }, expectedVersion: null, None);
        await _store.PutAsync(NewRecord("i-0123456789abcdef0"), expectedVersion: null, None);
        await MotoAccount.CreateRecordTableAsync(_dynamo, "new-table");

        var listed = await _store.ListAsync(None);
        var migrated = await new RecordMigration(_dynamo, "new-table").CopyAsync(TableName, None);

        Assert.Equal("i-0123456789abcdef0", Assert.Single(listed).InstanceId);
        Assert.Equal((1, 0, 0), (migrated.Copied, migrated.AlreadyPresent, migrated.Skipped));
    }

    private static (string, IsolationStatus) Facts(IsolationRecord? record) => (record!.AccountId, record.Status);

    private DynamoRecordStore Store(string accountId) => new(_dynamo, TableName, new KnownAccount(accountId), Region);

    /// <summary>The roles' revocation lists, in the same table (IAM is global: no region in their key).</summary>
    private DynamoRoleRevocationStore RoleStore => new(_dynamo, TableName, new KnownAccount(Account));

    private static IsolationRecord NewRecord(string instanceId, string accountId = Account)
    {
        var record = SampleRecords.Record(instanceId, IsolationStatus.Isolating, accountId);
        record.Version = 1;
        return record;
    }
}
