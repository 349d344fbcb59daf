using System.Text.Json;

namespace Ec2Isolation.Core.Events;

internal abstract partial record IsolationEvent
{
    /// <summary>
    /// A message of the continuation queue, delivered by Lambda's SQS event source one at a time (batch size 1): finish
    /// the EC2 evidence steps that EC2 throttled in the isolation of <paramref name="InstanceId"/> under <paramref name="IncidentId"/>.
    /// </summary>
    internal sealed record Continuation(string EventId, string Account, string Region, string InstanceId, string IncidentId, int Generation)
        : IsolationEvent(EventId, Account, Region)
    {
        public override string Kind => EventResult.ContinuationKind;

        /// <summary>
        /// An SQS event (<c>{"Records": [{"messageId", "eventSource": "aws:sqs", "body"}]}</c>,
        /// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html) of exactly one continuation message.
        /// </summary>
        public static Continuation FromSqs(JsonElement records)
        {
            var all = ArrayValue(records, "Records");
            if (all.GetArrayLength() != 1)
            {
                throw new InvalidEventException($"An SQS event must carry one continuation message (batch size 1); this one carries {all.GetArrayLength()}.");
            }

            var record = ObjectValue(all[0], "Records[0]");
            if (String(record, "eventSource") != "aws:sqs")
            {
                throw new InvalidEventException("Records[0].eventSource must be aws:sqs.");
            }

            JsonDocument body;
            try
            {
                body = JsonDocument.Parse(String(record, "body"), new JsonDocumentOptions { AllowDuplicateProperties = false });
            }
            catch (JsonException e)
            {
                throw new InvalidEventException("The continuation message's body is not valid JSON: " + e.Message);
            }

            using (body)
            {
                var message = ObjectValue(body.RootElement, "body");
                if (String(message, "kind") != Ports.Continuation.MessageKind)
                {
                    throw new InvalidEventException($"The message's kind must be {Ports.Continuation.MessageKind}.");
                }

                // Absent from the messages queued before continuations could queue again: the first.
                var generation = message.TryGetProperty("generation", out var counted) && counted.TryGetInt32(out var value) && value >= 0 ? value : 0;
                return new Continuation(
                    String(record, "messageId"), String(message, "account"), String(message, "region"),
                    Isolation.InstanceIds.Validate(String(message, "instanceId")), String(message, "incidentId"), generation);
            }
        }
    }
}
