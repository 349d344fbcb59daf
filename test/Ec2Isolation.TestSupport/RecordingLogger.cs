using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.TestSupport;

/// <summary>One line a <see cref="RecordingLogger{T}"/> received.</summary>
public sealed record LoggedLine(LogLevel Level, EventId EventId, string Message, Exception? Exception)
{
    /// <summary>The message template's values by name.</summary>
    public IReadOnlyDictionary<string, object?> Properties { get; init; } = new Dictionary<string, object?>();
}

/// <summary>A logger that keeps every line, for tests of what is logged (and of what must never be).</summary>
public sealed class RecordingLogger<T> : ILogger<T>
{
    public ConcurrentQueue<LoggedLine> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        Lines.Enqueue(new LoggedLine(logLevel, eventId, formatter(state, exception), exception)
        {
            Properties = (state as IEnumerable<KeyValuePair<string, object?>>)?.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal) ?? [],
        });
    }
}
