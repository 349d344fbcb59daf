using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ec2Isolation.Core.Events;

/// <summary>What handling one event did: the function's response, and the CLI's <c>invoke</c> output.</summary>
/// <param name="EventKind">tag-change, guardduty-finding or sweep.</param>
/// <param name="Action">isolated, already-isolated, busy, ignored, refused or (sweep) swept.</param>
/// <param name="Message">One sentence for people.</param>
/// <param name="Instances">Per instance: what happened to it.</param>
public sealed record EventResult(string EventKind, string Action, string Message, IReadOnlyList<InstanceOutcome> Instances)
{
    public string ToJson() => JsonSerializer.Serialize(this, EventJsonContext.Default.EventResult);
}

/// <param name="InstanceId">The instance.</param>
/// <param name="Outcome">isolated, already-isolated, busy, failed, ignored or refused.</param>
/// <param name="IncidentId">The incident it is recorded under, when isolated.</param>
/// <param name="Error">Why it failed, when it did.</param>
public sealed record InstanceOutcome(string InstanceId, string Outcome, string? IncidentId = null, string? Error = null);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EventResult))]
internal sealed partial class EventJsonContext : JsonSerializerContext;
