using Ec2Isolation.Core.Isolation;

namespace Ec2Isolation.Cli.Output;

/// <summary>A stop after evidence: <c>{ "outcome", "instanceId", "message", "stop": { "requestedBy", "stoppedAt", "stateBefore", ... } }</c>.</summary>
internal sealed record StopOutput(StopResult Result) : ICommandOutput
{
    public object Json => Result;

    public void WriteTable(TextWriter writer)
    {
        writer.WriteLine(Result.Message);
        writer.WriteLine();
        TextTable.Write(writer,
        [
            ["stopped at", RecordFacts.Time(Result.Stop.StoppedAt)],
            ["stopped by", Result.Stop.RequestedBy],
            ["state before", Result.Stop.StateBefore],
            ["forced", Result.Stop.Forced ? "yes: " + string.Join(", ", Result.Stop.IncompleteSnapshots) : "no"],
        ]);
    }
}
