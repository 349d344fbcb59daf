using System.Text.Json;
using Ec2Isolation.Core.Isolation;

namespace Ec2Isolation.Core.Events;

internal abstract partial record IsolationEvent
{
    /// <summary>
    /// An analyst chose a Security Hub custom action on findings ("Security Hub Findings - Custom Action": one finding per
    /// event, in ASFF; https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-event-formats.html).
    /// The event is of the account whose Security Hub the analyst used (an administrator's for members' findings); each
    /// finding names its own account (AwsAccountId), and each instance its region (an aggregation region's findings come
    /// from linked regions too).
    /// </summary>
    /// <param name="ActionId">The ID in the action's ARN, arn:PARTITION:securityhub:REGION:ACCOUNT:action/custom/ID.</param>
    internal sealed record SecurityHubAction(
        string EventId, string Account, string Region, string ActionId, IReadOnlyList<AsffFinding> Findings)
        : IsolationEvent(EventId, Account, Region)
    {
        /// <summary>The ASFF resource type of an EC2 instance, whose Id is the instance's ARN.</summary>
        public const string InstanceResourceType = "AwsEc2Instance";

        public override string Kind => "securityhub-action";

        public static SecurityHubAction From(string id, string account, string region, JsonElement root)
        {
            var resources = Array(root, "resources");
            if (resources.GetArrayLength() != 1)
            {
                throw new InvalidEventException("A Security Hub custom action event names exactly one custom action ARN in 'resources'.");
            }

            var arn = Text(resources[0], "resources[0]");
            var parts = arn.Split(':');
            if (parts is not ["arn", "aws" or "aws-cn" or "aws-us-gov", "securityhub", var arnRegion, var arnAccount, var resource]
                || !resource.StartsWith("action/custom/", StringComparison.Ordinal))
            {
                throw new InvalidEventException($"'{InstanceIds.Printable(arn)}' is not a Security Hub custom action ARN.");
            }

            if (arnAccount != account || arnRegion != region)
            {
                throw new InvalidEventException(
                    $"{InstanceIds.Printable(arn)} belongs to account {InstanceIds.Printable(arnAccount)} in {InstanceIds.Printable(arnRegion)}, not to the event's {account} in {region}.");
            }

            var findings = Array(Object(root, "detail"), "findings").EnumerateArray().Select(finding => AsffFinding.From(ObjectValue(finding, "findings[]"))).ToList();
            return new SecurityHubAction(id, account, region, resource["action/custom/".Length..], findings);
        }
    }

    /// <summary>One ASFF finding: its id, its account, and its EC2 instances (other resource types are not isolated).</summary>
    /// <param name="Instances">The account, region and id of each AwsEc2Instance resource, from its ARN.</param>
    internal sealed record AsffFinding(string Id, string AccountId, IReadOnlyList<(string Region, string InstanceId)> Instances)
    {
        public static AsffFinding From(JsonElement finding)
        {
            var accountId = String(finding, "AwsAccountId");
            var instances = new List<(string Region, string InstanceId)>();
            foreach (var resource in Array(finding, "Resources").EnumerateArray().Select(r => ObjectValue(r, "Resources[]")))
            {
                if (String(resource, "Type") != SecurityHubAction.InstanceResourceType)
                {
                    continue;
                }

                var arn = String(resource, "Id");
                var (arnAccount, arnRegion, instanceId) = ParseInstanceArn(arn);
                if (arnAccount != accountId)
                {
                    throw new InvalidEventException(
                        $"{InstanceIds.Printable(arn)} belongs to account {InstanceIds.Printable(arnAccount)}, not to its finding's {InstanceIds.Printable(accountId)}.");
                }

                instances.Add((arnRegion, instanceId));
            }

            return new AsffFinding(String(finding, "Id"), accountId, instances);
        }
    }
}
