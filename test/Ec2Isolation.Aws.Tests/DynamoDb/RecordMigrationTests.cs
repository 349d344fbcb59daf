using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Ec2Isolation.Aws.DynamoDb;
using Ec2Isolation.Core;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.DynamoDb;

[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class RecordMigrationTests(MotoServer moto) : IAsyncLifetime
{
    private const string OldTable = "records-by-instance";
    private const string NewTable = "records-by-account";
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly IAmazonDynamoDB _dynamo = moto.Clients().CreateDynamoDb();

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        await MotoAccount.CreateTableAsync(_dynamo, OldTable, "InstanceId");
        await MotoAccount.CreateRecordTableAsync(_dynamo, NewTable);
    }

    public Task DisposeAsync()
    {
        _dynamo.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task CopyAsync_OldTable_CopiesEveryRecordUnderItsAccountKey()
    {
        await PutOldAsync(SampleRecords.Record("i-0000000000000000a"));
        await PutOldAsync(SampleRecords.Record("i-0000000000000000b", IsolationStatus.Released));

        var result = await new RecordMigration(_dynamo, NewTable).CopyAsync(OldTable, None);

        Assert.Equal(new MigrationResult(OldTable, NewTable, 2, 0), result);
        var store = new DynamoRecordStore(_dynamo, NewTable, new KnownAccount("123456789012"), "eu-west-1");
        Assert.Equivalent(SampleRecords.Record("i-0000000000000000a"), await store.GetAsync("i-0000000000000000a", None), strict: true);
        Assert.Equal(IsolationStatus.Released, (await store.GetAsync("i-0000000000000000b", None))!.Status);
    }

    [Fact]
    public async Task CopyAsync_Rerun_LeavesWhatTheNewTableHolds()
    {
        await PutOldAsync(SampleRecords.Record("i-0000000000000000a"));
        var migration = new RecordMigration(_dynamo, NewTable);
        await migration.CopyAsync(OldTable, None);
        var newer = SampleRecords.Record("i-0000000000000000a", IsolationStatus.Released);
        newer.Version = 5;
        await new DynamoRecordStore(_dynamo, NewTable, new KnownAccount("123456789012"), "eu-west-1").PutAsync(newer, expectedVersion: 0, None);

        var again = await migration.CopyAsync(OldTable, None);

        Assert.Equal((0, 1), (again.Copied, again.AlreadyPresent));
        Assert.Equal(5, (await new DynamoRecordStore(_dynamo, NewTable, new KnownAccount("123456789012"), "eu-west-1").GetAsync("i-0000000000000000a", None))!.Version);
    }

    [Theory]
    [InlineData("no-such-table", "'no-such-table' was not found")]
    [InlineData(NewTable, "names the record table itself")]
    public async Task CopyAsync_BadSourceTable_RefusesAndCopiesNothing(string from, string message)
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => new RecordMigration(_dynamo, NewTable).CopyAsync(from, None));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await _dynamo.ScanAsync(new ScanRequest { TableName = NewTable })).Count);
    }

    /// <summary>An item as the releases before many accounts wrote it: keyed by InstanceId, the record's JSON in Record.</summary>
    private async Task PutOldAsync(IsolationRecord record) => await _dynamo.PutItemAsync(new PutItemRequest
    {
        TableName = OldTable,
        Item = new()
        {
            ["InstanceId"] = new() { S = record.InstanceId },
            ["Version"] = new() { N = "0" },
            ["Record"] = new() { S = System.Text.Json.JsonSerializer.Serialize(record, IsolationJsonContext.Default.IsolationRecord) },
        },
    });
}
