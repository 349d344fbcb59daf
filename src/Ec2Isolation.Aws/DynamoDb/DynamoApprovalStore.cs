using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.DynamoDb;

/// <summary>
/// <see cref="IApprovalStore"/> in the record table: one item per instance, keyed <c>"{account}/{region}/{instance}/approval"</c>,
/// with <c>ItemType</c> = <see cref="ItemType"/>, the request as JSON in <c>Approval</c> and no <c>Record</c> attribute
/// (the record listing and the migration never see it). Writes are conditional on <c>Version</c>, so that each request
/// is decided once: DynamoDB refuses a conditional write whose condition fails with ConditionalCheckFailedException
/// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html).
/// </summary>
public sealed class DynamoApprovalStore(IAmazonDynamoDB dynamo, string tableName) : IApprovalStore
{
    public const string ItemType = "ApprovalRequest";
    private const string ApprovalAttribute = "Approval";

    public static string KeyOf(string accountId, string region, string instanceId) => $"{accountId}/{region}/{instanceId}/approval";

    public async Task<ApprovalRequest?> GetAsync(string accountId, string region, string instanceId, CancellationToken cancellationToken)
    {
        var response = await OnTableAsync(() => dynamo.GetItemAsync(
            new()
            {
                TableName = tableName,
                Key = new() { [DynamoRecordStore.KeyAttribute] = new() { S = KeyOf(accountId, region, instanceId) } },
                ConsistentRead = true,
            },
            cancellationToken));
        return response.Item is { Count: > 0 } item ? Read(item) : null;
    }

    public async Task PutAsync(ApprovalRequest request, long? expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var put = new PutItemRequest
        {
            TableName = tableName,
            Item = new()
            {
                [DynamoRecordStore.KeyAttribute] = new() { S = KeyOf(request.AccountId, request.Region, request.InstanceId) },
                ["ItemType"] = new() { S = ItemType },
                ["InstanceId"] = new() { S = request.InstanceId },
                ["AccountId"] = new() { S = request.AccountId },
                ["Region"] = new() { S = request.Region },
                ["Status"] = new() { S = request.Status.ToString() },
                ["Version"] = new() { N = request.Version.ToString(CultureInfo.InvariantCulture) },
                ["ExpiresAt"] = new() { S = request.ExpiresAt.ToString("O", CultureInfo.InvariantCulture) },
                [ApprovalAttribute] = new() { S = JsonSerializer.Serialize(request, ApprovalJsonContext.Default.ApprovalRequest) },
            },
            ConditionExpression = expectedVersion is null ? $"attribute_not_exists({DynamoRecordStore.KeyAttribute})" : "#v = :expected",
        };
        if (expectedVersion is { } expected)
        {
            put.ExpressionAttributeNames = new() { ["#v"] = "Version" };
            put.ExpressionAttributeValues = new() { [":expected"] = new() { N = expected.ToString(CultureInfo.InvariantCulture) } };
        }

        try
        {
            await OnTableAsync(() => dynamo.PutItemAsync(put, cancellationToken));
        }
        catch (ConditionalCheckFailedException e)
        {
            throw new RecordConflictException($"The approval request of {request.InstanceId} changed meanwhile: another decision or event wrote it first.", e);
        }
    }

    public Task<IReadOnlyList<ApprovalRequest>> ListPendingAsync(CancellationToken cancellationToken) =>
        ScanAsync([ApprovalStatus.Pending], cancellationToken);

    /// <summary>Approved or denied (a filter on <c>Status</c>), then without an outcome (kept in the JSON only).</summary>
    public async Task<IReadOnlyList<ApprovalRequest>> ListDecidedNotActedAsync(CancellationToken cancellationToken) =>
        [.. (await ScanAsync([ApprovalStatus.Approved, ApprovalStatus.Denied], cancellationToken)).Where(request => request.Outcome is null)];

    private async Task<IReadOnlyList<ApprovalRequest>> ScanAsync(IReadOnlyList<ApprovalStatus> statuses, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, AttributeValue> { [":type"] = new() { S = ItemType } };
        for (var i = 0; i < statuses.Count; i++)
        {
            values[$":s{i}"] = new() { S = statuses[i].ToString() };
        }

        var scan = new ScanRequest
        {
            TableName = tableName,
            FilterExpression = $"#type = :type AND #status IN ({string.Join(", ", statuses.Select((_, i) => $":s{i}"))})",
            ExpressionAttributeNames = new() { ["#type"] = "ItemType", ["#status"] = "Status" },
            ExpressionAttributeValues = values,
        };
        var found = new List<ApprovalRequest>();
        await OnTableAsync(async () =>
        {
            await foreach (var page in dynamo.Paginators.Scan(scan).Responses.WithCancellation(cancellationToken))
            {
                found.AddRange((page.Items ?? []).Select(Read));
            }

            return found;
        });
        return found;
    }

    private static ApprovalRequest Read(Dictionary<string, AttributeValue> item) =>
        JsonSerializer.Deserialize(item[ApprovalAttribute].S, ApprovalJsonContext.Default.ApprovalRequest)
            ?? throw new InvalidDataException($"Item {item[DynamoRecordStore.KeyAttribute].S} has an empty {ApprovalAttribute}.");

    private async Task<T> OnTableAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (ResourceNotFoundException e)
        {
            throw new InvalidOperationException($"DynamoDB table '{tableName}' was not found (check the table name, the region and the account).", e);
        }
    }
}
