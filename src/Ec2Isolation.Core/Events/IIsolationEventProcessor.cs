namespace Ec2Isolation.Core.Events;

/// <summary>
/// What the Lambda (and <c>ec2-isolation invoke</c>) calls with each EventBridge event: a tag change, a GuardDuty
/// finding or a scheduled sweep. Events that do not concern isolation are a logged no-op, not an error.
/// Throws <see cref="InvalidEventException"/> for malformed or unsupported events (nothing changed), and the engine's
/// exceptions (<see cref="IsolationFailedException"/>, ...) when an isolation fails.
/// </summary>
public interface IIsolationEventProcessor
{
    Task<EventResult> HandleAsync(string eventJson, CancellationToken cancellationToken);
}

/// <summary>Malformed JSON or an event this service does not handle; nothing was changed.</summary>
public sealed class InvalidEventException(string message) : Exception(message);
