using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.DynamoDb;

/// <summary>
/// <see cref="IRoleRevocationStore"/> in the record table: one item per account and role, keyed
/// <c>"{account}/iam-role/{role}"</c> (no region: a role is global, and every region's instances share its boundary),
/// with <c>ItemType</c> = <see cref="ItemType"/>, the instance ids as a list and no <c>Record</c> attribute, so that the
/// record listing and the migration, which read only items with a <c>Record</c>, never see it. Writes are conditional on
/// <c>Version</c>.
/// </summary>
public sealed class DynamoRoleRevocationStore(IAmazonDynamoDB dynamo, string tableName, IAccountIdentity account) : IRoleRevocationStore
{
    public const string ItemType = "RoleRevocation";

    public static string KeyOf(string accountId, string roleName) => $"{accountId}/iam-role/{roleName}";

    public async Task<RoleRevocation?> GetAsync(string roleName, CancellationToken cancellationToken)
    {
        var key = KeyOf(await account.GetAccountIdAsync(cancellationToken), roleName);
        var response = await OnTableAsync(() => dynamo.GetItemAsync(
            new()
            {
                TableName = tableName,
                Key = new() { [DynamoRecordStore.KeyAttribute] = new() { S = key } },
                ConsistentRead = true,
            },
            cancellationToken));
        if (response.Item is not { Count: > 0 } item)
        {
            return null;
        }

        return new RoleRevocation
        {
            RoleName = roleName,
            Version = long.Parse(item["Version"].N, CultureInfo.InvariantCulture),
            InstanceIds = [.. (item.GetValueOrDefault("InstanceIds")?.L ?? []).Select(id => id.S)],
            RoleWideBefore = item.GetValueOrDefault("RoleWideBefore")?.S is { } before ? DateTimeOffset.Parse(before, CultureInfo.InvariantCulture) : null,
        };
    }

    public async Task PutAsync(RoleRevocation revocation, long? expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(revocation);
        var accountId = await account.GetAccountIdAsync(cancellationToken);
        var request = new PutItemRequest
        {
            TableName = tableName,
            Item = new()
            {
                [DynamoRecordStore.KeyAttribute] = new() { S = KeyOf(accountId, revocation.RoleName) },
                ["ItemType"] = new() { S = ItemType },
                ["AccountId"] = new() { S = accountId },
                ["RoleName"] = new() { S = revocation.RoleName },
                ["Version"] = new() { N = revocation.Version.ToString(CultureInfo.InvariantCulture) },
                ["InstanceIds"] = new() { L = [.. revocation.InstanceIds.Select(id => new AttributeValue { S = id })] },
            },
            ConditionExpression = expectedVersion is null ? $"attribute_not_exists({DynamoRecordStore.KeyAttribute})" : "#v = :expected",
        };
        if (revocation.RoleWideBefore is { } before)
        {
            request.Item["RoleWideBefore"] = new() { S = before.ToString("O", CultureInfo.InvariantCulture) };
        }

        if (expectedVersion is { } expected)
        {
            request.ExpressionAttributeNames = new() { ["#v"] = "Version" };
            request.ExpressionAttributeValues = new() { [":expected"] = new() { N = expected.ToString(CultureInfo.InvariantCulture) } };
        }

        try
        {
            await OnTableAsync(() => dynamo.PutItemAsync(request, cancellationToken));
        }
        catch (ConditionalCheckFailedException e)
        {
            throw new RecordConflictException($"The revocation list of role {revocation.RoleName} changed meanwhile: another run wrote it first.", e);
        }
    }

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
