namespace Ec2Isolation.Core.Isolation;

/// <summary>
/// How long a run holds a record after each write: <paramref name="Duration"/>, but never past <paramref name="Deadline"/>,
/// the end of the Lambda invocation that runs it. A run Lambda kills at its timeout gives nothing up; its lease must have
/// ended by then, or the retry Lambda makes about a minute later would find the record busy and give up.
/// </summary>
internal readonly record struct LeaseTerm(TimeSpan Duration, DateTimeOffset? Deadline)
{
    public DateTimeOffset ExpiresAt(DateTimeOffset now) =>
        Deadline is { } end && end < now + Duration ? end : now + Duration;
}

/// <summary>
/// The deadline of the invocation being served (Lambda's <c>Lambda-Runtime-Deadline-Ms</c>), set by the function for
/// each invocation; null outside Lambda (the CLI). A process serves one invocation at a time (Lambda's execution
/// model), so one value suffices.
/// </summary>
public sealed class InvocationDeadline
{
    public DateTimeOffset? Current { get; set; }
}
