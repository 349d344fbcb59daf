using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Ec2Isolation.Core;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.DynamoDb;

/// <summary>
/// What a migration did: records copied, records the new table held already (left as they were), and the instances
/// whose records it did not copy: a run of a release before attachments stopped before it recorded their target
/// registrations (see <see cref="RecordMigration"/>).
/// </summary>
public sealed record MigrationResult(string FromTable, string ToTable, int Copied, int AlreadyPresent, IReadOnlyList<string> SkippedInstanceIds)
{
    public int Skipped => SkippedInstanceIds.Count;
}

/// <summary>Copies the records of a table keyed by InstanceId (before many accounts) into the table keyed by account, region and instance.</summary>
public interface IRecordMigration
{
    Task<MigrationResult> CopyAsync(string fromTable, CancellationToken cancellationToken);
}

/// <summary>
/// <see cref="IRecordMigration"/> into the configured table. Each record is written as the engine writes a new one
/// (under its own account and region, only where none exists), so a rerun copies only what is missing and never
/// overwrites a record the new table already has. A record of the shape before attachments is brought into this shape
/// first; one that cannot be (see <see cref="CurrentShape"/>) is skipped and reported.
/// </summary>
public sealed class RecordMigration(IAmazonDynamoDB dynamo, string toTable) : IRecordMigration
{
    /// <summary>What the releases before attachments kept directly in <c>original</c>: now in <c>original.attachments</c>.</summary>
    private static readonly string[] AttachmentNames = ["instanceProfile", "protection", "autoScaling", "targetRegistrations"];

    public async Task<MigrationResult> CopyAsync(string fromTable, CancellationToken cancellationToken)
    {
        if (fromTable == toTable)
        {
            throw new InvalidRequestException($"--from names the record table itself ({toTable}): name the table the records are copied from.");
        }

        IReadOnlyList<(string InstanceId, string Json)> items;
        try
        {
            items = await DynamoRecordStore.ScanAsync(dynamo, fromTable, cancellationToken);
        }
        catch (ResourceNotFoundException)
        {
            throw new InvalidRequestException($"DynamoDB table '{fromTable}' was not found (check the table name, the region and the account); nothing was copied.");
        }

        var (copied, present, skipped) = (0, 0, new List<string>());
        foreach (var (instanceId, json) in items)
        {
            var (current, complete) = CurrentShape(json);
            var record = DynamoRecordStore.Deserialize(instanceId, current);
            if (!complete && record.Status != IsolationStatus.Released)
            {
                skipped.Add(instanceId);
                continue;
            }

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

        return new MigrationResult(fromTable, toTable, copied, present, skipped);
    }

    /// <summary>
    /// The record's JSON in this release's shape: in a record written before attachments, the original's profile,
    /// protection (always written), Auto Scaling membership and target registrations move into <c>attachments</c>, in the
    /// record and in its history. A record in this shape already comes back as it was. Not complete when the record's own
    /// target registrations were never recorded (a run stopped before the standby step): the profile may be swapped
    /// already, and attachments left out would tell a release there is nothing to restore and a rerun to record the
    /// isolated state as the original, so only a released record (nothing left to restore) may be copied like that.
    /// </summary>
    private static (string Json, bool Complete) CurrentShape(string json)
    {
        if (JsonNode.Parse(json) is not JsonObject record)
        {
            return (json, true);
        }

        var complete = MoveAttachments(record["original"]);
        foreach (var earlier in record["history"] as JsonArray ?? [])
        {
            // Earlier isolations are released: without target registrations they keep no attachments.
            MoveAttachments(earlier?["original"]);
        }

        return (record.ToJsonString(), complete);
    }

    /// <returns>False when <paramref name="original"/> is of the older shape and its target registrations were never recorded.</returns>
    private static bool MoveAttachments(JsonNode? original)
    {
        if (original is not JsonObject older || !AttachmentNames.Any(older.ContainsKey))
        {
            return true;
        }

        var attachments = new JsonObject();
        foreach (var name in AttachmentNames)
        {
            if (older.TryGetPropertyValue(name, out var value))
            {
                older.Remove(name);
                attachments[name] = value;
            }
        }

        if (attachments["targetRegistrations"] is null)
        {
            return false;
        }

        older["attachments"] = attachments;
        return true;
    }
}
