using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.DynamoDb;

/// <summary>
/// <see cref="IRecordStore"/> for one account and region over a DynamoDB table keyed by <see cref="KeyAttribute"/>
/// ("{account}/{region}/{instance id}"), so that one table holds every account's records. The whole record is stored
/// as JSON in <c>Record</c>; <c>InstanceId</c>, <c>AccountId</c>, <c>Region</c>, <c>Version</c>, <c>Status</c>,
/// <c>IncidentId</c> and <c>UpdatedAt</c> are copied out for conditions and for people reading the table.
/// Listing returns the records of every account.
/// </summary>
/// <param name="account">The account this store reads and writes (resolved on first use: the CLI asks STS).</param>
public sealed class DynamoRecordStore(IAmazonDynamoDB dynamo, string tableName, IAccountIdentity account, string region) : IRecordStore
{
    /// <summary>The table's hash key.</summary>
    public const string KeyAttribute = "RecordKey";

    private const string RecordAttribute = "Record";

    /// <summary>The hash key of one instance's record.</summary>
    public static string KeyOf(string accountId, string region, string instanceId) => $"{accountId}/{region}/{instanceId}";

    public Task<IsolationRecord?> GetAsync(string instanceId, CancellationToken cancellationToken) =>
        OnTableAsync("read", async () =>
        {
            var key = KeyOf(await account.GetAccountIdAsync(cancellationToken), region, instanceId);
            var response = await dynamo.GetItemAsync(
                new()
                {
                    TableName = tableName,
                    Key = new() { [KeyAttribute] = new() { S = key } },
                    ConsistentRead = true,
                },
                cancellationToken);
            return response.Item is { Count: > 0 } item ? Deserialize(item["InstanceId"].S, item[RecordAttribute].S) : null;
        });

    public async Task PutAsync(IsolationRecord record, long? expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var accountId = await account.GetAccountIdAsync(cancellationToken);
        if (record.AccountId != accountId || record.Region != region)
        {
            // Written under another key, the record would never be read back by this store.
            throw new InvalidOperationException(
                $"The record of {record.InstanceId} is for account {record.AccountId} in {record.Region}, not for this store's {accountId} in {region}.");
        }

        var request = new PutItemRequest
        {
            TableName = tableName,
            Item = new()
            {
                [KeyAttribute] = new() { S = KeyOf(accountId, region, record.InstanceId) },
                ["InstanceId"] = new() { S = record.InstanceId },
                ["AccountId"] = new() { S = accountId },
                ["Region"] = new() { S = region },
                ["Version"] = new() { N = record.Version.ToString(CultureInfo.InvariantCulture) },
                ["Status"] = new() { S = record.Status.ToString() },
                ["IncidentId"] = new() { S = record.IncidentId },
                ["UpdatedAt"] = new() { S = record.UpdatedAt.ToString("O", CultureInfo.InvariantCulture) },
                [RecordAttribute] = new() { S = JsonSerializer.Serialize(record, IsolationJsonContext.Default.IsolationRecord) },
            },
        };
        if (expectedVersion is { } expected)
        {
            request.ConditionExpression = "#v = :expected";
            request.ExpressionAttributeNames = new() { ["#v"] = "Version" };
            request.ExpressionAttributeValues = new() { [":expected"] = new() { N = expected.ToString(CultureInfo.InvariantCulture) } };
        }
        else
        {
            request.ConditionExpression = $"attribute_not_exists({KeyAttribute})";
        }

        request.ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.ALL_OLD;
        try
        {
            await OnTableAsync("written", () => dynamo.PutItemAsync(request, cancellationToken));
        }
        catch (ConditionalCheckFailedException e) when (record.LeaseOwner is not null && e.Item?.GetValueOrDefault(RecordAttribute)?.S == request.Item[RecordAttribute].S)
        {
            // The SDK retried a write whose first attempt landed and whose answer was lost: the retry's condition failed
            // against that very write. A run's lease owner is its own, so an identical stored record is this run's write.
        }
        catch (ConditionalCheckFailedException e)
        {
            throw new RecordConflictException(
                expectedVersion is null
                    ? $"An isolation record for {record.InstanceId} already exists: another run created it first."
                    : $"The isolation record for {record.InstanceId} is no longer at version {expectedVersion}: another run wrote it first.",
                e);
        }
    }

    public Task<IReadOnlyList<IsolationRecord>> ListAsync(CancellationToken cancellationToken) =>
        OnTableAsync<IReadOnlyList<IsolationRecord>>("scanned", async () =>
            [.. (await ScanAsync(dynamo, tableName, cancellationToken)).Select(item => Deserialize(item.InstanceId, item.Json))]);

    /// <summary>
    /// Every item's instance id and record JSON, whatever the table's key schema (the migration reads the old table
    /// with it, and brings records of an older shape up to date before it deserializes them).
    /// </summary>
    internal static async Task<IReadOnlyList<(string InstanceId, string Json)>> ScanAsync(IAmazonDynamoDB dynamo, string tableName, CancellationToken cancellationToken)
    {
        var items = new List<(string, string)>();
        // Records only: the table also holds the roles' revocation lists (DynamoRoleRevocationStore), which have no Record.
        var scan = new ScanRequest
        {
            TableName = tableName,
            FilterExpression = "attribute_exists(#record)",
            ExpressionAttributeNames = new() { ["#record"] = RecordAttribute },
        };
        await foreach (var page in dynamo.Paginators.Scan(scan).Responses.WithCancellation(cancellationToken))
        {
            items.AddRange((page.Items ?? []).Select(item => (item["InstanceId"].S, item[RecordAttribute].S)));
        }

        return items;
    }

    internal static IsolationRecord Deserialize(string instanceId, string json) =>
        JsonSerializer.Deserialize(json, IsolationJsonContext.Default.IsolationRecord)
            ?? throw new InvalidDataException($"Item {instanceId} has an empty {RecordAttribute}.");

    /// <summary>
    /// A failure says it is DynamoDB's, and which table, not just the service's bare message ("Internal server error").
    /// A failed condition stays itself: the caller turns it into a <see cref="RecordConflictException"/>.
    /// </summary>
    private async Task<T> OnTableAsync<T>(string verb, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (ResourceNotFoundException e)
        {
            throw new InvalidOperationException(
                $"DynamoDB table '{tableName}' was not found (check the table name, the region and the account).", e);
        }
        catch (Exception e) when (e is AmazonServiceException or AmazonClientException or HttpRequestException && e is not ConditionalCheckFailedException)
        {
            throw new InvalidOperationException($"The isolation record could not be {verb}: DynamoDB table '{tableName}' answered: {e.Message}", e);
        }
    }
}
