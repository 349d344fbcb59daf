using System.Globalization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.DynamoDb;

/// <summary>
/// <see cref="IRecordStore"/> over a DynamoDB table keyed by <c>InstanceId</c>. The whole record is stored as JSON
/// in <c>Record</c>; <c>Version</c>, <c>Status</c>, <c>IncidentId</c> and <c>UpdatedAt</c> are copied out for
/// conditions and for people reading the table.
/// </summary>
public sealed class DynamoRecordStore(IAmazonDynamoDB dynamo, string tableName) : IRecordStore
{
    private const string RecordAttribute = "Record";

    public Task<IsolationRecord?> GetAsync(string instanceId, CancellationToken cancellationToken) =>
        OnTableAsync("read", async () =>
        {
            var response = await dynamo.GetItemAsync(
                new()
                {
                    TableName = tableName,
                    Key = new() { ["InstanceId"] = new() { S = instanceId } },
                    ConsistentRead = true,
                },
                cancellationToken);
            return response.Item is { Count: > 0 } item ? Deserialize(item) : null;
        });

    public async Task PutAsync(IsolationRecord record, long? expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var request = new PutItemRequest
        {
            TableName = tableName,
            Item = new()
            {
                ["InstanceId"] = new() { S = record.InstanceId },
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
            request.ConditionExpression = "attribute_not_exists(InstanceId)";
        }

        try
        {
            await OnTableAsync("written", () => dynamo.PutItemAsync(request, cancellationToken));
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
        {
            var records = new List<IsolationRecord>();
            await foreach (var page in dynamo.Paginators.Scan(new() { TableName = tableName }).Responses.WithCancellation(cancellationToken))
            {
                records.AddRange((page.Items ?? []).Select(Deserialize));
            }

            return records;
        });

    private static IsolationRecord Deserialize(Dictionary<string, AttributeValue> item) =>
        JsonSerializer.Deserialize(item[RecordAttribute].S, IsolationJsonContext.Default.IsolationRecord)
            ?? throw new InvalidDataException($"Item {item["InstanceId"].S} has an empty {RecordAttribute}.");

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
