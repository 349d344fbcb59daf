using System.Globalization;
using System.Text;
using System.Text.Json;
using Ec2Isolation.Core.Isolation;

namespace Ec2Isolation.Core.Events;

/// <summary>An EventBridge event this service understands, parsed and checked before anything is called.</summary>
internal abstract partial record IsolationEvent(string EventId, string Account, string Region)
{
    /// <summary>EventBridge refuses events over 256 KB; anything larger did not come from it.</summary>
    public const int MaxEventBytes = 256 * 1024;

    public static IsolationEvent Parse(string json)
    {
        var size = Encoding.UTF8.GetByteCount(json);
        if (size > MaxEventBytes)
        {
            throw new InvalidEventException($"The event is {size} bytes long; EventBridge events are at most {MaxEventBytes} bytes.");
        }

        JsonDocument document;
        try
        {
            // A key given twice is refused: with the last one winning, "account" could be smuggled past the first.
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            throw new InvalidEventException("The event is not valid JSON: " + e.Message);
        }

        using (document)
        {
            var root = Object(document.RootElement, "the event");
            if (root.TryGetProperty("Records", out var records))
            {
                try
                {
                    return Continuation.FromSqs(records);
                }
                catch (InvalidRequestException e)
                {
                    throw new InvalidEventException(e.Message);
                }
            }

            var source = String(root, "source");
            var detailType = String(root, "detail-type");
            var id = String(root, "id");
            var account = String(root, "account");
            var region = String(root, "region");
            try
            {
                return ParseKind(source, detailType, id, account, region, root) with { Time = EventTime(root) };
            }
            catch (InvalidRequestException e)
            {
                throw new InvalidEventException(e.Message);
            }
        }
    }

    private static IsolationEvent ParseKind(string source, string detailType, string id, string account, string region, JsonElement root) =>
            (source, detailType) switch
            {
                ("aws.tag", "Tag Change on Resource") => TagChange.From(id, account, region, root),
                ("aws.guardduty", "GuardDuty Finding") => Finding.From(id, account, region, root),
                ("aws.securityhub", "Security Hub Findings - Custom Action") => SecurityHubAction.From(id, account, region, root),
                ("aws.ec2", "AWS API Call via CloudTrail") => ApiCall.From(id, account, region, root),
                ("aws.events", "Scheduled Event") => new Sweep(id, account, region),
                (Approvals.ApprovalHandOff.Source, Approvals.ApprovalHandOff.DetailType) => ApprovalDecided.From(id, account, region, root),
                _ => throw new InvalidEventException(
                    $"Unsupported event: source '{InstanceIds.Printable(source)}', detail-type '{InstanceIds.Printable(detailType)}'. "
                    + "Expected a Tag Change on Resource (aws.tag), a GuardDuty Finding (aws.guardduty), a Security Hub Findings - Custom Action (aws.securityhub), an AWS API Call via CloudTrail (aws.ec2) or a Scheduled Event (aws.events)."),
            };

    /// <summary>A tag change on an EC2 instance.</summary>
    /// <param name="InstanceId">Null when the resource is not an EC2 instance.</param>
    /// <param name="ChangedKeys">Keys added, changed or removed.</param>
    /// <param name="Tags">The tags after the change.</param>
    internal sealed record TagChange(
        string EventId, string Account, string Region, string? InstanceId, IReadOnlyList<string> ChangedKeys, IReadOnlyDictionary<string, string> Tags)
        : IsolationEvent(EventId, Account, Region)
    {
        public static TagChange From(string id, string account, string region, JsonElement root)
        {
            var detail = Object(root, "detail");
            var isInstance = String(detail, "service") == "ec2" && String(detail, "resource-type") == "instance";
            var resources = Array(root, "resources");
            var instanceId = isInstance && resources.GetArrayLength() == 1
                ? InstanceArn(Text(resources[0], "resources[0]"), account, region)
                : null;
            var changed = Array(detail, "changed-tag-keys").EnumerateArray().Select(key => Text(key, "changed-tag-keys[]")).ToList();
            var tags = Object(detail, "tags").EnumerateObject().ToDictionary(tag => tag.Name, tag => Text(tag.Value, "tags." + tag.Name), StringComparer.Ordinal);
            return new TagChange(id, account, region, instanceId, changed, tags);
        }

        public override string Kind => "tag-change";
    }

    /// <summary>The scheduled sweep for tagged instances a lost event left open.</summary>
    internal sealed record Sweep(string EventId, string Account, string Region) : IsolationEvent(EventId, Account, Region)
    {
        public override string Kind => "sweep";
    }

    /// <summary>The instance id in an instance ARN of the event's own account and region; anything else is refused.</summary>
    private static string InstanceArn(string arn, string account, string region)
    {
        var (arnAccount, arnRegion, instanceId) = ParseInstanceArn(arn);
        if (arnAccount != account || arnRegion != region)
        {
            throw new InvalidEventException(
                $"{InstanceIds.Printable(arn)} belongs to account {InstanceIds.Printable(arnAccount)} in {InstanceIds.Printable(arnRegion)}, not to the event's {account} in {region}.");
        }

        return instanceId;
    }

    /// <summary>The account, region and instance id of an EC2 instance ARN; anything else is refused.</summary>
    private static (string Account, string Region, string InstanceId) ParseInstanceArn(string arn)
    {
        var parts = arn.Split(':');
        if (parts is not ["arn", "aws" or "aws-cn" or "aws-us-gov", "ec2", var arnRegion, var arnAccount, var resource]
            || !resource.StartsWith("instance/", StringComparison.Ordinal))
        {
            throw new InvalidEventException($"'{InstanceIds.Printable(arn)}' is not an EC2 instance ARN.");
        }

        return (arnAccount, arnRegion, InstanceIds.Validate(resource["instance/".Length..]));
    }

    /// <summary>An instance named by its id, or by its ARN, which must then be of <paramref name="account"/> in <paramref name="region"/>.</summary>
    private static string InstanceReference(string uid, string account, string region) =>
        uid.StartsWith("arn:", StringComparison.Ordinal) ? InstanceArn(uid, account, region) : InstanceIds.Validate(uid);

    /// <summary>An optional member: absent or null is none.</summary>
    private static JsonElement? Optional(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static JsonElement Member(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value : throw new InvalidEventException($"The event has no '{name}'.");

    private static JsonElement Object(JsonElement element, string name) =>
        ObjectValue(name == "the event" ? element : Member(element, name), name);

    private static JsonElement ObjectValue(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Object ? value : throw new InvalidEventException($"'{name}' must be a JSON object.");

    private static JsonElement Array(JsonElement element, string name) => ArrayValue(Member(element, name), name);

    private static JsonElement ArrayValue(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Array ? value : throw new InvalidEventException($"'{name}' must be a JSON array.");

    private static string String(JsonElement element, string name) => Text(Member(element, name), name);

    private static string Text(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new InvalidEventException($"'{name}' must be a string.");

    /// <summary>
    /// When the event happened (EventBridge's <c>time</c>, ISO 8601 in UTC: the tag change, the finding's publication,
    /// the schedule's tick), the start of the time-to-containment metric; null when absent or unreadable: the event is
    /// handled all the same, only not timed.
    /// </summary>
    public DateTimeOffset? Time { get; init; }

    private static DateTimeOffset? EventTime(JsonElement root) =>
        Optional(root, "time") is { ValueKind: JsonValueKind.String } time
        && DateTimeOffset.TryParse(time.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : null;

    /// <summary>tag-change, guardduty-finding, securityhub-action, tamper or sweep: the result's event kind.</summary>
    public abstract string Kind { get; }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{GetType().Name} {EventId}");
}
