using System.Text.Encodings.Web;
using System.Text.Json;
using Ec2Isolation.Core;

namespace Ec2Isolation.Cli.Output;

/// <summary>
/// Writes a command's output as text or as exactly one JSON object on standard output; errors always go to
/// standard error as one line (and, in JSON mode, also to standard output as the error object, so that a script
/// always gets one object).
/// </summary>
internal sealed class OutputWriter(TextWriter output, TextWriter error, bool json, bool verbose)
{
    /// <summary>The generated metadata, with quotes and apostrophes left readable: the output goes to a terminal or a script, never into HTML.</summary>
    private static readonly JsonSerializerOptions JsonOptions = new(CliJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public void Write(ICommandOutput value)
    {
        if (json)
        {
            WriteJson(value.Json, value.Json.GetType());
        }
        else
        {
            value.WriteTable(output);
        }
    }

    public void WriteError(int code, Exception exception)
    {
        var failed = exception as IsolationFailedException;
        WriteError(code, exception.Message, failed?.FailedStep, failed?.FailedSteps);
        if (verbose)
        {
            error.WriteLine(exception);
        }
    }

    public void WriteError(int code, string message, string? failedStep = null, IReadOnlyDictionary<string, string>? failedSteps = null)
    {
        var line = OneLine(message);
        error.WriteLine("error: " + line);
        if (json)
        {
            WriteJson(new ErrorOutput(new ErrorDetail(code, line, failedStep, failedSteps is { Count: > 0 } ? failedSteps : null)), typeof(ErrorOutput));
        }
    }

    private void WriteJson(object value, Type type) =>
        output.WriteLine(JsonSerializer.Serialize(value, type, JsonOptions));

    private static string OneLine(string text) =>
        string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
