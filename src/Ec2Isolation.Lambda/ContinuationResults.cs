using System.Globalization;
using System.Text;
using System.Text.Json;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Lambda.Runtime;

namespace Ec2Isolation.Lambda;

/// <summary>
/// Puts the result of a continuation (an invocation by the continuation queue's SQS event source, which Lambda's
/// on-success destination does not carry) on the result bus, in the shape of the destination's invocation record, so
/// that a consumer's rule and code read both alike (docs/result-events.md): detail-type <see cref="DetailType"/>,
/// detail <c>version</c>, <c>timestamp</c>, <c>requestContext</c>, <c>requestPayload</c> (the SQS event),
/// <c>responseContext</c> and <c>responsePayload</c> (the result); the source is the function's own
/// (<see cref="Aws.EventBridge.EventBridgeResultBus.Source"/>), never Lambda's.
/// </summary>
public sealed class ContinuationResults(IResultBus bus, TimeProvider time)
{
    public const string DetailType = "Lambda Function Invocation Result - Success";

    /// <summary>Puts <paramref name="result"/> when it is a continuation's; anything else goes through Lambda's destination.</summary>
    public Task PutAsync(LambdaInvocation invocation, EventResult result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(result);
        return result.EventKind != EventResult.ContinuationKind
            ? Task.CompletedTask
            : bus.PutAsync(DetailType, InvocationRecord(invocation, result), invocation.InvokedFunctionArn is { } arn ? [arn] : [], cancellationToken);
    }

    private string InvocationRecord(LambdaInvocation invocation, EventResult result)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("version", "1.0");
            json.WriteString("timestamp", time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WriteStartObject("requestContext");
            json.WriteString("requestId", invocation.RequestId);
            json.WriteString("functionArn", invocation.InvokedFunctionArn);
            json.WriteString("condition", "Success");
            json.WriteNumber("approximateInvokeCount", 1);
            json.WriteEndObject();
            json.WritePropertyName("requestPayload");
            json.WriteRawValue(invocation.Body);
            json.WriteStartObject("responseContext");
            json.WriteNumber("statusCode", 200);
            json.WriteString("executedVersion", "$LATEST");
            json.WriteEndObject();
            json.WritePropertyName("responsePayload");
            json.WriteRawValue(result.ToJson());
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
