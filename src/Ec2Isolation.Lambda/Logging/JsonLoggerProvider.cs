using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text.Json;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Metrics;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Lambda.Logging;

/// <summary>
/// One JSON object per line, written synchronously: Lambda freezes the process once the response is posted, and a
/// line still in an asynchronous console queue then is lost. Each line has timestamp, level, category, eventId,
/// message, every property of the message template, the exception's type and message (never its stack), and every
/// value of the active scopes (so every line of an invocation carries its requestId). A line whose message carries a
/// number named in <see cref="MetricDefinitions"/> is also a CloudWatch embedded metric format document
/// (<see cref="EmfMetadata"/>): CloudWatch turns it into data points, no CloudWatch API call needed.
/// </summary>
/// <param name="functionName">The function's name (AWS_LAMBDA_FUNCTION_NAME), the metrics' one dimension.</param>
public sealed class JsonLoggerProvider(Stream output, TimeProvider time, string? functionName = null) : ILoggerProvider, ISupportExternalScope
{
    private const string OriginalFormat = "{OriginalFormat}";
    private readonly Lock _writeLock = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ILogger CreateLogger(string categoryName) => new JsonLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private void Write<TState>(string category, LogLevel level, EventId eventId, TState state, Exception? exception, string message)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", time.GetUtcNow());
            json.WriteString("level", level.ToString());
            json.WriteString("category", category);
            json.WriteNumber("eventId", eventId.Id);
            json.WriteString("message", message);
            var written = new HashSet<string>(["timestamp", "level", "category", "eventId", "message", "exception", "scope"], StringComparer.Ordinal);
            if (state is IEnumerable<KeyValuePair<string, object?>> properties)
            {
                WriteProperties(json, properties, written);
                WriteMetrics(json, properties, written);
            }

            var otherScopes = new List<string>();
            _scopes.ForEachScope(
                (scope, _) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> values)
                    {
                        WriteProperties(json, values, written);
                    }
                    else if (scope is IEnumerable<KeyValuePair<string, string>> texts)
                    {
                        WriteProperties(json, texts.Select(pair => new KeyValuePair<string, object?>(pair.Key, pair.Value)), written);
                    }
                    else if (scope is not null)
                    {
                        otherScopes.Add(Convert.ToString(scope, CultureInfo.InvariantCulture) ?? string.Empty);
                    }
                },
                state: (object?)null);
            if (otherScopes.Count > 0)
            {
                json.WriteStartArray("scope");
                otherScopes.ForEach(json.WriteStringValue);
                json.WriteEndArray();
            }

            if (exception is not null)
            {
                json.WriteStartObject("exception");
                json.WriteString("type", exception.GetType().FullName);
                json.WriteString("message", exception.Message);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        buffer.Write("\n"u8);
        lock (_writeLock)
        {
            output.Write(buffer.WrittenSpan);
            output.Flush();
        }
    }

    /// <summary>
    /// The embedded metric format's metadata for the metrics among <paramref name="properties"/> (their values are the
    /// line's own members), with the function's name as a dimension of each.
    /// </summary>
    private void WriteMetrics(Utf8JsonWriter json, IEnumerable<KeyValuePair<string, object?>> properties, HashSet<string> written)
    {
        if (functionName is null)
        {
            return;
        }

        var members = new Dictionary<string, object?>(StringComparer.Ordinal) { [DeploymentMetrics.FunctionNameDimension] = functionName };
        foreach (var (name, value) in properties)
        {
            members.TryAdd(name, value);
        }

        if (EmfMetadata.For(members, time.GetUtcNow()) is not { } metadata)
        {
            return;
        }

        if (written.Add(DeploymentMetrics.FunctionNameDimension))
        {
            json.WriteString(DeploymentMetrics.FunctionNameDimension, functionName);
        }

        json.WritePropertyName("_aws");
        JsonSerializer.Serialize(json, metadata, EmfJsonContext.Default.EmfMetadata);
    }

    /// <summary>Writes each property once: the first value for a name wins (fields, then the template, then scopes outermost first).</summary>
    private static void WriteProperties(Utf8JsonWriter json, IEnumerable<KeyValuePair<string, object?>> properties, HashSet<string> written)
    {
        foreach (var (name, value) in properties)
        {
            if (name != OriginalFormat && written.Add(name))
            {
                json.WritePropertyName(name);
                WriteValue(json, value);
            }
        }
    }

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case string text:
                json.WriteStringValue(text);
                break;
            case bool flag:
                json.WriteBooleanValue(flag);
                break;
            case double or float when !double.IsFinite(Convert.ToDouble(value, CultureInfo.InvariantCulture)):
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
            case int or long or short or byte or uint or ulong or ushort or sbyte or double or float or decimal:
                json.WriteRawValue(Convert.ToString(value, CultureInfo.InvariantCulture)!);
                break;
            case DateTimeOffset moment:
                json.WriteStringValue(moment);
                break;
            case IEnumerable items:
                json.WriteStartArray();
                foreach (var item in items)
                {
                    WriteValue(json, item);
                }

                json.WriteEndArray();
                break;
            default:
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private sealed class JsonLogger(JsonLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                ArgumentNullException.ThrowIfNull(formatter);
                provider.Write(category, logLevel, eventId, state, exception, formatter(state, exception));
            }
        }
    }
}
