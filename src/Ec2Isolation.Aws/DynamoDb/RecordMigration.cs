using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Ec2Isolation.Core;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.DynamoDb;

/// <summary>What a migration did: records copied, and records the new table held already (left as they were).</summary>
public sealed record MigrationResult(string FromTable, string ToTable, int Copied, int AlreadyPresent);

/// <summary>Copies the records of a table keyed by InstanceId (before many accounts) into the table keyed by account, region and instance.</summary>
public interface IRecordMigration
{
    Task<MigrationResult> CopyAsync(string fromTable, CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="IRecordMigration"/> into the configured table. Each record is written as the engine writes a new one
/// (under its own account and region, only where none exists), so a rerun copies only what is missing and never
/// overwrites a record the new table already has.
/// </summary>
public sealed class RecordMigration(IAmazonDynamoDB dynamo, string toTable) : IRecordMigration
{
    public async Task<MigrationResult> CopyAsync(string fromTable, CancellationToken cancellationToken)
    {
        if (fromTable == toTable)
        {
            throw new InvalidRequestException($"--from names the record table itself ({toTable}): name the table the records are copied from.");
        }

        IReadOnlyList<Core.Model.IsolationRecord> records;
        try
        {
            records = await DynamoRecordStore.ScanAsync(dynamo, fromTable, cancellationToken);
        }
        catch (ResourceNotFoundException)
        {
            throw new InvalidRequestException($"DynamoDB table '{fromTable}' was not found (check the table name, the region and the account); nothing was copied.");
        }

        var (copied, present) = (0, 0);
        foreach (var record in records)
        {
            try
            {
                await new DynamoRecordStore(dynamo, toTable, new KnownAccount(record.AccountId), record.Region).PutAsync(record, expectedVersion: null, cancellationToken);
                copied++;
            }
            catch (RecordConflictException)
            {
                present++;
            }
        }

        return new MigrationResult(fromTable, toTable, copied, present);
    }
}
