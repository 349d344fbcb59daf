using System.Text.Json;
using System.Text.RegularExpressions;
using Ec2Isolation.Core.Isolation;

namespace Ec2Isolation.Core.Events;

internal abstract partial record IsolationEvent
{
    /// <summary>
    /// An EC2 API call CloudTrail recorded ("AWS API Call via CloudTrail", source aws.ec2; record fields:
    /// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).
    /// The resources it touched are the EC2 ids anywhere in its requestParameters and responseElements, whose shapes
    /// differ from call to call (instancesSet.items[].instanceId, networkInterfaceId, groupId, a request wrapper).
    /// </summary>
    /// <param name="Caller">Who made the call: userIdentity.arn, else its type and principalId.</param>
    /// <param name="CallerType">userIdentity.type: Root, IAMUser, AssumedRole, FederatedUser, AWSService...</param>
    /// <param name="CallerRoleArn">The role whose session made the call (userIdentity.sessionContext.sessionIssuer.arn), if any.</param>
    /// <param name="ErrorCode">Why EC2 refused the call; null when it succeeded.</param>
    /// <param name="ResourceIds">The instance, network interface, security group and profile association ids the call names.</param>
    /// <param name="Tags">
    /// The tags a CreateTags call applies, requestParameters.tagSet.items[] {key, value} (the shape CloudTrail records EC2's
    /// CreateTags in, beside resourcesSet.items[].resourceId); empty for other calls.
    /// </param>
    internal sealed partial record ApiCall(
        string EventId, string Account, string Region, string EventName, string Caller, string CallerType, string? CallerRoleArn, string? ErrorCode,
        IReadOnlySet<string> ResourceIds, IReadOnlyList<KeyValuePair<string, string>> Tags)
        : IsolationEvent(EventId, Account, Region)
    {
        public const string CreateTags = IsolationEventProcessor.CreateTagsCallName;

        /// <summary>tamper; trigger-tag-call for the CreateTags that applied the trigger tag (it names who asked for an isolation).</summary>
        public override string Kind => EventName == CreateTags ? "trigger-tag-call" : "tamper";

        public static ApiCall From(string id, string account, string region, JsonElement root)
        {
            var detail = Object(root, "detail");
            if (String(detail, "eventSource") != "ec2.amazonaws.com")
            {
                throw new InvalidEventException($"'{InstanceIds.Printable(String(detail, "eventSource"))}' is not EC2's eventSource (ec2.amazonaws.com).");
            }

            if (String(detail, "awsRegion") != region)
            {
                throw new InvalidEventException($"The call was made in {InstanceIds.Printable(String(detail, "awsRegion"))}, not in the event's {region}.");
            }

            var identity = Object(detail, "userIdentity");
            var callerType = InstanceIds.Printable(Optional(identity, "type")?.GetString());
            var caller = Optional(identity, "arn") is { } arn
                ? Text(arn, "userIdentity.arn")
                : $"{callerType} {InstanceIds.Printable(Optional(identity, "principalId")?.GetString())}";
            var issuer = Optional(identity, "sessionContext") is { } session && Optional(ObjectValue(session, "sessionContext"), "sessionIssuer") is { } sessionIssuer
                ? Optional(ObjectValue(sessionIssuer, "sessionIssuer"), "arn")?.GetString()
                : null;
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var part in new[] { "requestParameters", "responseElements" })
            {
                if (Optional(detail, part) is { } value)
                {
                    CollectIds(value, ids);
                }
            }

            return new ApiCall(
                id, account, region, String(detail, "eventName"), caller, callerType, issuer, Optional(detail, "errorCode")?.GetString(), ids, TagsApplied(detail));
        }

        /// <summary>The ids the call names that start with <paramref name="prefix"/> (i-, eni-, sg-), in order.</summary>
        public IReadOnlyList<string> IdsOf(string prefix) => [.. ResourceIds.Where(id => id.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

        private static List<KeyValuePair<string, string>> TagsApplied(JsonElement detail)
        {
            var tags = new List<KeyValuePair<string, string>>();
            if (Optional(detail, "requestParameters") is { ValueKind: JsonValueKind.Object } request
                && Optional(request, "tagSet") is { ValueKind: JsonValueKind.Object } tagSet
                && Optional(tagSet, "items") is { ValueKind: JsonValueKind.Array } items)
            {
                foreach (var item in items.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object && Optional(item, "key") is { ValueKind: JsonValueKind.String } key)
                    {
                        // A tag without a value is recorded with none, or an empty one.
                        var value = Optional(item, "value") is { ValueKind: JsonValueKind.String } v ? v.GetString()! : string.Empty;
                        tags.Add(new(key.GetString()!, value));
                    }
                }
            }

            return tags;
        }

        private static void CollectIds(JsonElement value, HashSet<string> ids)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in value.EnumerateObject())
                    {
                        CollectIds(property.Value, ids);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in value.EnumerateArray())
                    {
                        CollectIds(item, ids);
                    }

                    break;
                case JsonValueKind.String when Ec2Id().IsMatch(value.GetString()!):
                    ids.Add(value.GetString()!);
                    break;
            }
        }

        [GeneratedRegex(@"^(i|eni|sg|iip-assoc)-[0-9A-Za-z]{1,40}\z", RegexOptions.CultureInvariant)]
        private static partial Regex Ec2Id();
    }
}
