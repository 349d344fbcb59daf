using System.Text;
using System.Text.Json;

namespace Ec2Isolation.Core.Ports;

/// <summary>
/// Where an isolation whose network is contained hands the EC2 evidence steps that EC2 throttled: a queue served by
/// the function at low concurrency (SQS in the stack), so that the invocation ends and its concurrency slot goes to the
/// next instance's network cut instead of waiting in throttled calls.
/// </summary>
public interface IContinuationScheduler
{
    /// <summary>Queues the rest of <paramref name="continuation"/>'s isolation; throws when the queue refused it.</summary>
    Task ScheduleAsync(Continuation continuation, CancellationToken cancellationToken);
}

/// <summary>
/// What a continuation names: the instance, where it is, and the isolation (incident) it continues;
/// <paramref name="Generation"/> counts the continuations before it (0 for the one the event's run queued).
/// </summary>
public sealed record Continuation(string InstanceId, string AccountId, string Region, string IncidentId, int Generation = 0)
{
    /// <summary>The message body's kind, which nothing else sends to the continuation queue.</summary>
    public const string MessageKind = "ec2-isolation.continuation";

    /// <summary>The queue message's body, as the function reads it back from an SQS event.</summary>
    public string ToMessageBody()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("kind", MessageKind);
            json.WriteNumber("version", 1);
            json.WriteString("instanceId", InstanceId);
            json.WriteString("account", AccountId);
            json.WriteString("region", Region);
            json.WriteString("incidentId", IncidentId);
            json.WriteNumber("generation", Generation);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}

/// <summary>
/// EC2 answered <c>RequestLimitExceeded</c> to a call made inside <see cref="Ec2Throttling.YieldScope"/>: the adapter
/// throws this at once instead of retrying, so that the step gives way (its work is deferred, never dropped).
/// </summary>
public sealed class Ec2ThrottledException(string action, Exception innerException)
    : Exception($"EC2 throttled {action} (RequestLimitExceeded).", innerException)
{
    public string Action { get; } = action;
}

/// <summary>
/// Marks the calls that may give way to EC2 throttling rather than wait it out: those of the EC2 evidence steps of a run
/// that can defer them (<see cref="IContinuationScheduler"/>), at once in the run an event starts, or from a yield point
/// on in a continuation (which waits as long as its invocation allows, then queues the rest again). Flows with the async
/// context, so that only the calls made by such a step see it; every other call (the network cut, reads, other
/// services) waits throttling out.
/// </summary>
public static class Ec2Throttling
{
    private static readonly AsyncLocal<YieldPoint?> Yielding = new();

    /// <summary>True when a throttled EC2 call answered at <paramref name="now"/> throws <see cref="Ec2ThrottledException"/> rather than waits.</summary>
    public static bool YieldsAt(DateTimeOffset now) => Yielding.Value is { } point && (point.After is not { } after || now >= after);

    /// <summary>Runs <paramref name="call"/> with throttled EC2 calls giving way: at once, or from <paramref name="after"/> on.</summary>
    public static async Task YieldScope(Func<Task> call, DateTimeOffset? after = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        var outer = Yielding.Value;
        Yielding.Value = new YieldPoint(after);
        try
        {
            await call();
        }
        finally
        {
            Yielding.Value = outer;
        }
    }

    private sealed record YieldPoint(DateTimeOffset? After);
}
