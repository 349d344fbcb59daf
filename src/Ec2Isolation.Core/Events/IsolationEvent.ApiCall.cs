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
    /// <param name="CallerRoleArn">The role whose session made the call (userIdentity.sessionContext.sessionIssuer.arn), if any.</param>
    /// <param name="ErrorCode">Why EC2 refused the call; null when it succeeded.</param>
    /// <param name="ResourceIds">The instance, network interface, security group and profile association ids the call names.</param>
    internal sealed partial record ApiCall(
        string EventId, string Account, string Region, string EventName, string Caller, string? CallerRoleArn, string? ErrorCode,
        IReadOnlySet<string> ResourceIds)
        : IsolationEvent(EventId, Account, Region)
    {
        public override string Kind => "tamper";

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
            var caller = Optional(identity, "arn") is { } arn
                ? Text(arn, "userIdentity.arn")
                : $"{InstanceIds.Printable(Optional(identity, "type")?.GetString())} {InstanceIds.Printable(Optional(identity, "principalId")?.GetString())}";
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

            return new ApiCall(id, account, region, String(detail, "eventName"), caller, issuer, Optional(detail, "errorCode")?.GetString(), ids);
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
