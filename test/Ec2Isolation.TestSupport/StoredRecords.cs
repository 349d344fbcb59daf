using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Ec2Isolation.Aws.DynamoDb;
using Ec2Isolation.Core.Model;

namespace Ec2Isolation.TestSupport;

/// <summary>The isolation records as DynamoDB holds them, read and rewritten behind the engine's back.</summary>
public static class StoredRecords
{
    /// <summary>The item's attributes as stored (the record's JSON in <c>Record</c>); null when there is none.</summary>
    /// <param name="accountId">The account the instance is in: the emulator's default account unless named.</param>
    public static async Task<Dictionary<string, AttributeValue>?> ReadItemAsync(this MotoAccount account, string instanceId, string accountId = MotoServer.AccountId)
    {
        ArgumentNullException.ThrowIfNull(account);
        using var dynamo = account.Clients.CreateDynamoDb();
        var response = await dynamo.GetItemAsync(new GetItemRequest
        {
            TableName = MotoAccount.TableName,
            Key = new() { [DynamoRecordStore.KeyAttribute] = new() { S = DynamoRecordStore.KeyOf(accountId, MotoServer.Region, instanceId) } },
            ConsistentRead = true,
        });
        return response.Item is { Count: > 0 } item ? item : null;
    }

    /// <summary>The record as stored; null when there is none.</summary>
    public static async Task<IsolationRecord?> ReadRecordAsync(this MotoAccount account, string instanceId, string accountId = MotoServer.AccountId) =>
        await account.ReadItemAsync(instanceId, accountId) is { } item
            ? JsonSerializer.Deserialize(item["Record"].S, IsolationJsonContext.Default.IsolationRecord)
            : null;

    /// <summary>
    /// Moves the stored record's lease expiry to <paramref name="expiresAt"/>, leaving everything else (version, owner,
    /// steps) as the run that held it left it: what the passing of the lease duration does to a record whose run died.
    /// </summary>
    public static async Task RewriteLeaseExpiryAsync(this MotoAccount account, string instanceId, DateTimeOffset expiresAt)
    {
        ArgumentNullException.ThrowIfNull(account);
        var item = await account.ReadItemAsync(instanceId) ?? throw new InvalidOperationException($"No record for {instanceId}");
        var record = JsonNode.Parse(item["Record"].S)!.AsObject();
        record["leaseExpiresAt"] = JsonValue.Create(expiresAt);
        item["Record"] = new AttributeValue { S = record.ToJsonString() };
        using var dynamo = account.Clients.CreateDynamoDb();
        await dynamo.PutItemAsync(new PutItemRequest { TableName = MotoAccount.TableName, Item = item });
    }
}
