using System.Text.Json;
using Ec2Isolation.Core.Isolation;

namespace Ec2Isolation.Core.Events;

internal abstract partial record IsolationEvent
{
    /// <summary>
    /// A GuardDuty finding. <see cref="FindingAccount"/> is the account the finding is about: the event's, except at a
    /// GuardDuty (delegated) administrator, whose bus receives every member's findings with the event's account set to
    /// the administrator's (docs/many-accounts.md); the processor decides whether it may act there.
    /// </summary>
    /// <param name="FindingAccount">detail.accountId.</param>
    /// <param name="Instances">The instances the finding names: none (not about an EC2 instance), one, or an attack sequence's group.</param>
    /// <param name="SequenceId">The attack sequence's uid, for an <see cref="AttackSequenceType"/> finding; null otherwise.</param>
    internal sealed record Finding(
        string EventId, string Account, string Region, string FindingId, string Type, double Severity, string FindingAccount,
        IReadOnlyList<string> Instances, string? SequenceId)
        : IsolationEvent(EventId, Account, Region)
    {
        /// <summary>GuardDuty Extended Threat Detection's finding about a group of EC2 instances (always critical).</summary>
        public const string AttackSequenceType = "AttackSequence:EC2/CompromisedInstanceGroup";

        /// <summary>
        /// ResourceData members that group the compromised instances of an attack sequence, each with up to 25
        /// ec2InstanceUids (GuardDuty API reference: ResourceData, AutoscalingAutoScalingGroup, Ec2Image, Ec2Vpc,
        /// https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ResourceData.html).
        /// </summary>
        private static readonly string[] InstanceGroupings = ["autoscalingAutoScalingGroup", "ec2Image", "ec2Vpc"];

        public override string Kind => "guardduty-finding";

        public static Finding From(string id, string account, string region, JsonElement root)
        {
            var detail = Object(root, "detail");
            var severity = Member(detail, "severity");
            if (severity.ValueKind != JsonValueKind.Number || !double.IsFinite(severity.GetDouble()) || severity.GetDouble() is < 0 or > 10)
            {
                throw new InvalidEventException("detail.severity must be a number from 0 to 10.");
            }

            var findingAccount = String(detail, "accountId");
            var findingRegion = String(detail, "region");
            if (findingRegion != region)
            {
                throw new InvalidEventException(
                    $"The finding belongs to account {InstanceIds.Printable(findingAccount)} in {InstanceIds.Printable(findingRegion)}, not to the event's {account} in {region}.");
            }

            var type = String(detail, "type");
            var findingId = String(detail, "id");
            if (type == AttackSequenceType)
            {
                var sequence = Object(Object(Object(detail, "service"), "detection"), "sequence");
                return new Finding(
                    id, account, region, findingId, type, severity.GetDouble(), findingAccount, SequenceInstances(sequence, findingAccount, region), String(sequence, "uid"));
            }

            var resource = Object(detail, "resource");
            IReadOnlyList<string> instances = String(resource, "resourceType") == "Instance"
                ? [InstanceIds.Validate(String(Object(resource, "instanceDetails"), "instanceId"))]
                : [];
            return new Finding(id, account, region, findingId, type, severity.GetDouble(), findingAccount, instances, SequenceId: null);
        }

        /// <summary>
        /// Every instance an attack sequence names, once each, in the order named: its EC2_INSTANCE resources, and the
        /// ec2InstanceUids of the groupings in any resource's data. A resource of another account than the finding's is refused.
        /// </summary>
        private static List<string> SequenceInstances(JsonElement sequence, string findingAccount, string region)
        {
            var named = new List<string>();
            List<JsonElement> resources = Optional(sequence, "resources") is { } list ? [.. ArrayValue(list, "sequence.resources").EnumerateArray()] : [];
            foreach (var element in resources)
            {
                var resource = ObjectValue(element, "sequence.resources[]");
                if (Optional(resource, "accountId") is { } owner && Text(owner, "sequence.resources[].accountId") != findingAccount)
                {
                    throw new InvalidEventException(
                        $"The attack sequence names a resource of account {InstanceIds.Printable(owner.GetString())}, not of the finding's {InstanceIds.Printable(findingAccount)}.");
                }

                if (String(resource, "resourceType") == "EC2_INSTANCE")
                {
                    named.Add(InstanceReference(String(resource, "uid"), findingAccount, region));
                }

                if (Optional(resource, "data") is not { } data)
                {
                    continue;
                }

                foreach (var grouping in InstanceGroupings)
                {
                    if (Optional(ObjectValue(data, "sequence.resources[].data"), grouping) is { } group
                        && Optional(ObjectValue(group, grouping), "ec2InstanceUids") is { } uids)
                    {
                        named.AddRange(ArrayValue(uids, grouping + ".ec2InstanceUids").EnumerateArray()
                            .Select(uid => InstanceReference(Text(uid, grouping + ".ec2InstanceUids[]"), findingAccount, region)));
                    }
                }
            }

            return [.. named.Distinct(StringComparer.Ordinal)];
        }
    }
}
