using Amazon.DynamoDBv2;
using Ec2Isolation.Aws.DynamoDb;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.DynamoDb;

/// <summary>The roles' revocation lists in the record table, on moto: conditional writes, and invisible to the record listing and the migration.</summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class DynamoRoleRevocationStoreTests(MotoServer moto) : IAsyncLifetime
{
    private const string TableName = "isolation-records";
    private const string Account = "123456789012";
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly IAmazonDynamoDB _dynamo = moto.Clients().CreateDynamoDb();
    private DynamoRoleRevocationStore _store = null!;

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        await MotoAccount.CreateRecordTableAsync(_dynamo, TableName);
        _store = new DynamoRoleRevocationStore(_dynamo, TableName, new KnownAccount(Account));
    }

    public Task DisposeAsync()
    {
        _dynamo.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task PutAsync_NewThenNextVersion_ReadsBackEveryField()
    {
        var before = new DateTimeOffset(2026, 11, 25, 10, 0, 1, TimeSpan.Zero);
        await _store.PutAsync(new RoleRevocation { RoleName = "app-role", Version = 1, InstanceIds = ["i-0a"] }, expectedVersion: null, None);
        await _store.PutAsync(new RoleRevocation { RoleName = "app-role", Version = 2, InstanceIds = ["i-0a", "i-0b"], RoleWideBefore = before }, expectedVersion: 1, None);

        var stored = await _store.GetAsync("app-role", None);

        Assert.Equivalent(new RoleRevocation { RoleName = "app-role", Version = 2, InstanceIds = ["i-0a", "i-0b"], RoleWideBefore = before }, stored, strict: true);
        var item = (await _dynamo.GetItemAsync(TableName, new() { ["RecordKey"] = new() { S = $"{Account}/iam-role/app-role" } })).Item;
        Assert.Equal(DynamoRoleRevocationStore.ItemType, item["ItemType"].S);
        Assert.False(item.ContainsKey("Record"));
    }

    [Fact]
    public async Task PutAsync_StaleVersionOrSecondCreate_ThrowsRecordConflictAndKeepsTheOther()
    {
        await _store.PutAsync(new RoleRevocation { RoleName = "app-role", Version = 1, InstanceIds = ["i-0a"] }, expectedVersion: null, None);

        await Assert.ThrowsAsync<RecordConflictException>(() =>
            _store.PutAsync(new RoleRevocation { RoleName = "app-role", Version = 1, InstanceIds = ["i-0b"] }, expectedVersion: null, None));
        await Assert.ThrowsAsync<RecordConflictException>(() =>
            _store.PutAsync(new RoleRevocation { RoleName = "app-role", Version = 3, InstanceIds = ["i-0b"] }, expectedVersion: 2, None));

        Assert.Equal(["i-0a"], (await _store.GetAsync("app-role", None))!.InstanceIds);
        Assert.Null(await _store.GetAsync("other-role", None));
    }

    [Fact]
    public async Task ListAndMigration_TableHoldsARoleList_SeeOnlyTheRecords()
    {
        await _store.PutAsync(new RoleRevocation { RoleName = "app-role", Version = 1, InstanceIds = ["i-0123456789abcdef0"] }, expectedVersion: null, None);
        var records = new DynamoRecordStore(_dynamo, TableName, new KnownAccount(Account), "eu-west-1");
        await records.PutAsync(
            new IsolationRecord
            {
                InstanceId = "i-0123456789abcdef0",
                InstanceArn = "arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0",
                AccountId = Account,
                Region = "eu-west-1",
                VpcId = "vpc-1",
                IncidentId = "INC-1",
                Reason = "test",
                RequestedBy = "tester",
                StartedAt = DateTimeOffset.UnixEpoch,
                Original = new OriginalConfiguration { NetworkInterfaces = [], Volumes = [] },
            },
            expectedVersion: null,
            None);
        await MotoAccount.CreateRecordTableAsync(_dynamo, "new-table");

        var listed = await records.ListAsync(None);
        var migrated = await new RecordMigration(_dynamo, "new-table").CopyAsync(TableName, None);

        Assert.Equal("i-0123456789abcdef0", Assert.Single(listed).InstanceId);
        Assert.Equal((1, 0, 0), (migrated.Copied, migrated.AlreadyPresent, migrated.Skipped));
    }
}
