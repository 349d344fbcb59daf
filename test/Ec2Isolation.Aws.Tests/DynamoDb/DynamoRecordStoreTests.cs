using Amazon.DynamoDBv2;
using Ec2Isolation.Aws.DynamoDb;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.DynamoDb;

[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class DynamoRecordStoreTests(MotoServer moto) : IAsyncLifetime
{
    private const string TableName = "isolation-records";
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly IAmazonDynamoDB _dynamo = moto.Clients().CreateDynamoDb();
    private DynamoRecordStore _store = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        await _dynamo.CreateTableAsync(new()
        {
            TableName = TableName,
            AttributeDefinitions = [new("InstanceId", ScalarAttributeType.S)],
            KeySchema = [new("InstanceId", KeyType.HASH)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        });
        _store = new DynamoRecordStore(_dynamo, TableName);
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
        var item = (await _dynamo.GetItemAsync(TableName, new() { ["InstanceId"] = new() { S = record.InstanceId } })).Item;
        Assert.Equal(
            ("1", "Isolating", "INC-1", "2026-11-25T10:01:00.0000000+00:00"),
            (item["Version"].N, item["Status"].S, item["IncidentId"].S, item["UpdatedAt"].S));
    }

    [Fact]
    public async Task PutAsync_CreateTwice_ThrowsRecordConflict()
    {
        await _store.PutAsync(NewRecord("i-0000000000000000a"), expectedVersion: null, None);

        var error = await Assert.ThrowsAsync<RecordConflictException>(
            () => _store.PutAsync(NewRecord("i-0000000000000000a"), expectedVersion: null, None));
        Assert.Contains("i-0000000000000000a", error.Message, StringComparison.Ordinal);
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
        var store = new DynamoRecordStore(_dynamo, "no-such-table");

        var errors = new[]
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => store.GetAsync("i-0000000000000000a", None)),
            await Assert.ThrowsAsync<InvalidOperationException>(() => store.PutAsync(NewRecord("i-0000000000000000a"), null, None)),
            await Assert.ThrowsAsync<InvalidOperationException>(() => store.ListAsync(None)),
        };

        Assert.All(errors, error => Assert.Contains("'no-such-table'", error.Message, StringComparison.Ordinal));
    }

    private static IsolationRecord NewRecord(string instanceId)
    {
        var record = SampleRecords.Record(instanceId, IsolationStatus.Isolating);
        record.Version = 1;
        return record;
    }
}
