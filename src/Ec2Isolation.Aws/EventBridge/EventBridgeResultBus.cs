using Ec2Isolation.Aws.Organizations;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.EventBridge;

/// <summary>
/// EventBridge's <c>PutEvents</c> over its JSON protocol (AWS JSON 1.1, target <c>AWSEvents</c>, signed for
/// <c>events</c>), one entry per call, source <see cref="Source"/>
/// (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html). An entry is at most 256 KB, and a
/// refused entry does not fail the call: it comes back in <c>Entries</c> with an <c>ErrorCode</c> and counts in
/// <c>FailedEntryCount</c> ("Sending events with PutEvents", https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevents.html),
/// so the answer is read and a refused entry thrown. Throttling and server errors are retried by the client.
/// </summary>
public sealed class EventBridgeResultBus(AwsJsonClient events, string busName) : IResultBus
{
    public const string Source = "ec2-isolation";

    /// <summary>The bus <paramref name="busName"/> (a name or an ARN), with the deployment's own credentials and endpoint.</summary>
    public static EventBridgeResultBus Create(AwsClientFactory clients, string busName, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(clients);
        return new(new AwsJsonClient(clients.CreateSignedHttpClient("events"), clients.ResolveQueryEndpoint("events", "EVENTBRIDGE"), "AWSEvents", time), busName);
    }

    public async Task PutAsync(string detailType, string detail, IReadOnlyList<string> resources, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resources);
        using var answer = await events.SendAsync("PutEvents", json =>
        {
            json.WriteStartArray("Entries");
            json.WriteStartObject();
            json.WriteString("EventBusName", busName);
            json.WriteString("Source", Source);
            json.WriteString("DetailType", detailType);
            json.WriteString("Detail", detail);
            json.WriteStartArray("Resources");
            foreach (var resource in resources)
            {
                json.WriteStringValue(resource);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
        }, cancellationToken);
        if (answer.RootElement.TryGetProperty("FailedEntryCount", out var failed) && failed.GetInt32() > 0)
        {
            var entry = answer.RootElement.GetProperty("Entries")[0];
            throw new AwsJsonException(
                entry.TryGetProperty("ErrorCode", out var code) ? code.GetString() ?? "Unknown" : "Unknown",
                $"EventBridge refused the result event for bus {busName}: " + (entry.TryGetProperty("ErrorMessage", out var message) ? message.GetString() : "no message"),
                System.Net.HttpStatusCode.OK);
        }
    }
}
