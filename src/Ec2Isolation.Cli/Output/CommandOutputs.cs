using System.Globalization;
using Ec2Isolation.Aws.DynamoDb;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Replacement;
using Ec2Isolation.Core.Scanning;

namespace Ec2Isolation.Cli.Output;

/// <summary>What a command prints: one JSON object (the record's own shape) or text for people.</summary>
internal interface ICommandOutput
{
    /// <summary>What JSON mode serializes: the output itself, unless it stands for another object.</summary>
    object Json => this;

    /// <summary>The process exit code once it is printed: a command that did only part of its work says so.</summary>
    int ExitCode => ExitCodes.Success;

    void WriteTable(TextWriter writer);
}

/// <summary>An event replayed through the function's processor: its result, as the function would respond, in both modes.</summary>
internal sealed record EventOutput(EventResult Result) : ICommandOutput
{
    public object Json => Result;

    public void WriteTable(TextWriter writer) => writer.WriteLine(Result.ToJson());
}

/// <summary>An isolation or release that ran: <c>{ "outcome", "message", "record" }</c>.</summary>
internal sealed record ChangeOutput(IsolationOutcome Outcome, string Message, IsolationRecord Record) : ICommandOutput
{
    public static ChangeOutput From(IsolationResult result) => new(result.Outcome, result.Message, result.Record);

    public void WriteTable(TextWriter writer)
    {
        writer.WriteLine(Message);
        writer.WriteLine();
        RecordFacts.Write(writer, Record);
    }
}

/// <summary>
/// A replacement: <c>{ "outcome", "instanceId", "message", "replacementInstanceId", "launch", "autoScalingGroupName" }</c>;
/// as text, the message and what was launched.
/// </summary>
internal sealed record ReplaceOutput(ReplacementResult Result) : ICommandOutput
{
    public object Json => Result;

    public void WriteTable(TextWriter writer)
    {
        writer.WriteLine(Result.Message);
        if (Result.Scan is { } scan)
        {
            writer.WriteLine(scan.Describe());
        }

        if (Result.Launch is not { } launch)
        {
            return;
        }

        writer.WriteLine();
        TextTable.Write(writer,
        [
            ["replacement", Result.ReplacementInstanceId ?? "-"],
            ["source", launch.Source],
            ["instance type", launch.InstanceType],
            ["subnet", launch.SubnetId],
            ["security groups", string.Join(", ", launch.SecurityGroupIds)],
            ["instance profile", launch.InstanceProfileArn ?? "(none)"],
            ["tags", string.Join(", ", launch.Tags.Select(tag => $"{tag.Key}={tag.Value}"))],
        ]);
    }
}

/// <summary>A dry run: <c>{ "plan": { "instanceId", "action", "calls", "message" } }</c>.</summary>
internal sealed record PlanOutput(IsolationPlan Plan) : ICommandOutput
{
    private static readonly string[] Header = ["#", "step", "api", "target", "detail", "permission"];

    public void WriteTable(TextWriter writer)
    {
        writer.WriteLine(Plan.Message);
        writer.WriteLine();
        TextTable.Write(writer,
        [
            Header,
            .. Plan.Calls.Select((call, index) => new[]
            {
                (index + 1).ToString(CultureInfo.InvariantCulture), call.Step, call.Api, call.Target, call.Detail, call.Permission.ToString(),
            }),
        ]);
    }
}

/// <summary>One instance's record, or none: <c>{ "instanceId", "message", "record" }</c>.</summary>
internal sealed record StatusOutput(string InstanceId, string Message, IsolationRecord? Record) : ICommandOutput
{
    /// <summary>The instance's current approval request (pending, or decided), when approvals are configured.</summary>
    public Core.Approvals.ApprovalRequest? Approval { get; init; }

    public static StatusOutput From(string instanceId, IsolationRecord? record) => record is null
        ? new(instanceId, $"{instanceId} is not isolated (no isolation record).", null)
        : new(instanceId, $"{instanceId}: {record.Status}", record);

    public void WriteTable(TextWriter writer)
    {
        if (Approval is { } approval)
        {
            writer.WriteLine(ApprovalOutput.Describe(approval));
            if (ApprovalOutput.Evidence(approval) is { } evidence)
            {
                writer.WriteLine(evidence);
            }
        }

        if (Record is null)
        {
            writer.WriteLine(Message);
            return;
        }

        RecordFacts.Write(writer, Record);
    }
}

/// <summary>Every record: <c>{ "records": [...] }</c>; as text, one row per record.</summary>
internal sealed record RecordsOutput(IReadOnlyList<IsolationRecord> Records) : ICommandOutput
{
    private static readonly string[] Header = ["account", "region", "instance", "status", "incident", "updated at", "failed step"];

    public void WriteTable(TextWriter writer)
    {
        if (Records.Count == 0)
        {
            writer.WriteLine("No isolation records.");
            return;
        }

        TextTable.Write(writer,
        [
            Header,
            .. Records.Select(record => new[]
            {
                record.AccountId, record.Region, record.InstanceId, record.Status.ToString(), record.IncidentId, RecordFacts.Time(record.UpdatedAt), record.FailedStep ?? "-",
            }),
        ]);
    }
}

/// <summary>
/// A record migration: <c>{ "fromTable", "toTable", "copied", "alreadyPresent", "skippedInstanceIds", "skipped" }</c>;
/// exit code 1 when it skipped records, so that automation notices.
/// </summary>
internal sealed record MigrationOutput(MigrationResult Result) : ICommandOutput
{
    public object Json => Result;

    public int ExitCode => Result.Skipped == 0 ? ExitCodes.Success : ExitCodes.Failure;

    public void WriteTable(TextWriter writer)
    {
        writer.WriteLine(
            $"Copied {Result.Copied} record(s) from {Result.FromTable} to {Result.ToTable}; {Result.AlreadyPresent} were there already and were left as they are.");
        if (Result.Skipped > 0)
        {
            writer.WriteLine(
                $"Skipped {Result.Skipped} record(s) the previous version left halfway, before it recorded the instance's target registrations: "
                + $"{string.Join(", ", Result.SkippedInstanceIds)}. Finish each (isolate again) or release it with the previous version on the old table "
                + $"(EC2ISOLATION_TABLE={Result.FromTable}), then run the migration again.");
        }
    }
}

/// <summary>What a failed command prints in JSON mode: <c>{ "error": { "code", "message", "failedStep", "failedSteps" } }</c>.</summary>
internal sealed record ErrorOutput(ErrorDetail Error);

/// <param name="FailedStep">The first step that failed.</param>
/// <param name="FailedSteps">Every step that failed, with its error (an isolation goes on after a failed step once the network is contained).</param>
internal sealed record ErrorDetail(int Code, string Message, string? FailedStep, IReadOnlyDictionary<string, string>? FailedSteps = null);

/// <summary>A scan of a replacement: <c>{ "instanceId", "summary", "notRecorded" }</c>; as text, its one line.</summary>
internal sealed record ScanOutput(ScanResult Result) : ICommandOutput
{
    public object Json => Result;

    /// <summary>Busy when another run held the record: the summary is printed but not recorded.</summary>
    public int ExitCode => Result.NotRecorded is null ? ExitCodes.Success : ExitCodes.Busy;

    public void WriteTable(TextWriter writer) => writer.WriteLine(Result.Message);
}
