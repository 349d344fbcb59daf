using System.Text.Json.Nodes;

namespace Ec2Isolation.TestSupport;

/// <summary>
/// Findings that name several instances or accounts, built field by field from AWS's documentation (the page of each
/// field is in the comment beside it): GuardDuty's attack sequences, a member's GuardDuty finding as its delegated
/// administrator receives it, and Security Hub's custom action.
/// </summary>
public static partial class SampleEvents
{
    public const string AttackSequenceFindingId = "2ac3a7bd5ed6ec35a4bbd3d9a7a2a0b9";
    public const string AttackSequenceUid = "1ab2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
    public const string SecurityHubFindingId = "arn:aws:guardduty:us-east-1:123456789012:detector/12abc34d567e8fa901bc2d34e56789f0/finding/7ac3a7bd5ed6ec35a4bbd3d9a7a2a0b1";
    public const string SecurityHubActionId = "Ec2Isolate";

    /// <summary>
    /// The GuardDuty sample finding of <paramref name="memberAccount"/> as the GuardDuty delegated administrator
    /// <paramref name="administratorAccount"/> receives it: the event's account is the administrator's, the finding's
    /// (detail.accountId) the member's (aws-samples/amazon-guardduty-to-slack#7 and #6; docs/many-accounts.md), the
    /// finding's ARN the administrator's detector's.
    /// </summary>
    public static string MemberFinding(string instanceId, string memberAccount, string administratorAccount = MotoServer.AccountId)
    {
        var finding = JsonNode.Parse(Load(GuardDutyFinding, instanceId))!;
        finding["account"] = administratorAccount;
        finding["detail"]!["accountId"] = memberAccount;
        return finding.ToJsonString();
    }

    /// <summary>
    /// An AttackSequence:EC2/CompromisedInstanceGroup finding: the sequence's EC2_INSTANCE resources and the
    /// ec2InstanceUids of its Auto Scaling group, AMI and VPC groupings (each up to 25).
    /// </summary>
    /// <param name="accountId">The finding's account (detail.accountId, every resource's accountId).</param>
    /// <param name="eventAccount">The event's account: the finding's, or its delegated administrator's.</param>
    public static string AttackSequence(
        IReadOnlyList<string> sequenceInstances,
        IReadOnlyList<string> autoScalingInstances,
        IReadOnlyList<string> imageInstances,
        IReadOnlyList<string> vpcInstances,
        string accountId = MotoServer.AccountId,
        string? eventAccount = null,
        double severity = 9.0)
    {
        ArgumentNullException.ThrowIfNull(sequenceInstances);
        const string region = MotoServer.Region;
        const string detector = "12abc34d567e8fa901bc2d34e56789f0";
        static JsonArray Uids(IEnumerable<string> ids) => [.. ids.Select(id => (JsonNode)JsonValue.Create(id)!)];

        // ResourceV2 (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ResourceV2.html): resourceType and uid
        // are required; accountId, region, cloudPartition, name, service, data and tags optional. resourceType values
        // EC2_INSTANCE, AUTOSCALING_AUTO_SCALING_GROUP, EC2_IMAGE, EC2_VPC are among its valid values.
        JsonObject Resource(string type, string uid, JsonObject? data = null)
        {
            var resource = new JsonObject
            {
                ["uid"] = uid,
                ["resourceType"] = type,
                ["accountId"] = accountId,
                ["region"] = region,
                ["cloudPartition"] = "aws",
            };
            if (data is not null)
            {
                // ResourceData (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ResourceData.html).
                resource["data"] = data;
            }

            return resource;
        }

        var resources = new JsonArray();
        foreach (var instance in sequenceInstances)
        {
            resources.Add(Resource("EC2_INSTANCE", instance));
        }

        // AutoscalingAutoScalingGroup (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_AutoscalingAutoScalingGroup.html):
        // ec2InstanceUids, 0 to 25 strings.
        resources.Add(Resource("AUTOSCALING_AUTO_SCALING_GROUP",
            $"arn:aws:autoscaling:{region}:{accountId}:autoScalingGroup:0f4e2c1a-3b5d-4c6e-8f90-1a2b3c4d5e6f:autoScalingGroupName/web",
            new JsonObject { ["autoscalingAutoScalingGroup"] = new JsonObject { ["ec2InstanceUids"] = Uids(autoScalingInstances) } }));

        // Ec2Image (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Ec2Image.html): ec2InstanceUids, 0 to 25.
        resources.Add(Resource("EC2_IMAGE", "ami-0abcdef1234567890",
            new JsonObject { ["ec2Image"] = new JsonObject { ["ec2InstanceUids"] = Uids(imageInstances) } }));

        // Ec2Vpc (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Ec2Vpc.html): ec2InstanceUids, 0 to 25.
        resources.Add(Resource("EC2_VPC", "vpc-0a1b2c3d4e5f67890",
            new JsonObject { ["ec2Vpc"] = new JsonObject { ["ec2InstanceUids"] = Uids(vpcInstances) } }));

        var allInstances = sequenceInstances.Concat(autoScalingInstances).Concat(imageInstances).Concat(vpcInstances).Distinct().ToList();
        return new JsonObject
        {
            // The EventBridge envelope of a GuardDuty Finding (https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-guardduty.html;
            // the fields of every event: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html).
            ["version"] = "0",
            ["id"] = "d4e5f6a7-b8c9-4d0e-a1f2-3a4b5c6d7e8f",
            ["detail-type"] = "GuardDuty Finding",
            ["source"] = "aws.guardduty",
            ["account"] = eventAccount ?? accountId,
            ["time"] = "2026-11-25T10:00:00Z",
            ["region"] = region,
            ["resources"] = new JsonArray(),

            // Finding (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Finding.html): accountId, arn,
            // createdAt, id, region, resource, schemaVersion, severity, type, updatedAt required; partition, service,
            // title, description optional.
            ["detail"] = new JsonObject
            {
                ["schemaVersion"] = "2.0",
                ["accountId"] = accountId,
                ["region"] = region,
                ["partition"] = "aws",
                ["id"] = AttackSequenceFindingId,
                ["arn"] = $"arn:aws:guardduty:{region}:{eventAccount ?? accountId}:detector/{detector}/finding/{AttackSequenceFindingId}",
                // The finding type (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty-attack-sequence-finding-types.html), default severity Critical.
                ["type"] = "AttackSequence:EC2/CompromisedInstanceGroup",
                // Resource (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Resource.html): every member
                // optional, resourceType included; the sequence's resources are in service.detection.sequence.
                ["resource"] = new JsonObject(),
                // Service (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Service.html): detection, detectorId, count, archived.
                ["service"] = new JsonObject
                {
                    ["serviceName"] = "guardduty",
                    ["detectorId"] = detector,
                    ["archived"] = false,
                    ["count"] = 1,
                    // Detection (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Detection.html): anomaly or sequence.
                    ["detection"] = new JsonObject
                    {
                        // Sequence (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Sequence.html): uid,
                        // description and signals (1 to 100) required; resources (up to 400 ResourceV2) optional.
                        ["sequence"] = new JsonObject
                        {
                            ["uid"] = AttackSequenceUid,
                            ["description"] = "A sequence of suspicious actions by a group of potentially compromised EC2 instances.",
                            ["signals"] = new JsonArray
                            {
                                // Signal (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Signal.html): uid,
                                // type, name, createdAt, updatedAt, firstSeenAt, lastSeenAt, count required.
                                new JsonObject
                                {
                                    ["uid"] = "7ac3a7bd5ed6ec35a4bbd3d9a7a2a0b1",
                                    ["type"] = "FINDING",
                                    ["name"] = "Backdoor:EC2/C&CActivity.B!DNS",
                                    ["createdAt"] = "2026-11-25T09:40:00.000Z",
                                    ["updatedAt"] = "2026-11-25T09:59:00.000Z",
                                    ["firstSeenAt"] = "2026-11-25T09:40:00.000Z",
                                    ["lastSeenAt"] = "2026-11-25T09:59:00.000Z",
                                    ["count"] = 3,
                                    ["severity"] = 8.0,
                                    ["resourceUids"] = Uids(allInstances),
                                },
                            },
                            ["resources"] = resources,
                        },
                    },
                },
                // Severity levels (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html): Critical is 9.0 to 10.0.
                ["severity"] = severity,
                ["createdAt"] = "2026-11-25T09:59:30.000Z",
                ["updatedAt"] = "2026-11-25T09:59:30.000Z",
                ["title"] = "Potential compromise of a group of EC2 instances.",
                ["description"] = "A sequence of suspicious actions was observed across a group of EC2 instances.",
            },
        }.ToJsonString();
    }

    /// <summary>
    /// A "Security Hub Findings - Custom Action" event: one ASFF finding (Security Hub sends each selected finding in its
    /// own event) naming <paramref name="instanceArns"/> as AwsEc2Instance resources, and an S3 bucket, which is not isolated.
    /// </summary>
    /// <param name="findingAccount">AwsAccountId: the event's, or a member's when the analyst works at the administrator.</param>
    public static string SecurityHubAction(
        IReadOnlyList<string> instanceArns,
        string actionId = SecurityHubActionId,
        string findingId = SecurityHubFindingId,
        string accountId = MotoServer.AccountId,
        string? findingAccount = null)
    {
        ArgumentNullException.ThrowIfNull(instanceArns);
        const string region = MotoServer.Region;
        findingAccount ??= accountId;

        // ASFF Resources (https://docs.aws.amazon.com/securityhub/latest/userguide/asff-resources.html): Type and Id
        // required, Partition and Region optional; an AwsEc2Instance's Id is the instance's ARN.
        var resources = new JsonArray();
        foreach (var arn in instanceArns)
        {
            resources.Add(new JsonObject { ["Type"] = "AwsEc2Instance", ["Id"] = arn, ["Partition"] = "aws", ["Region"] = arn.Split(':')[3] });
        }

        resources.Add(new JsonObject { ["Type"] = "AwsS3Bucket", ["Id"] = "arn:aws:s3:::evidence-bucket", ["Partition"] = "aws", ["Region"] = region });
        return new JsonObject
        {
            // The event format (https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-event-formats.html):
            // resources holds the custom action's ARN, detail its name, description and the findings.
            ["version"] = "0",
            ["id"] = "1a1111a1-b22b-3c33-444d-5555e5ee5555",
            ["detail-type"] = "Security Hub Findings - Custom Action",
            ["source"] = "aws.securityhub",
            ["account"] = accountId,
            ["time"] = "2026-11-25T10:00:00Z",
            ["region"] = region,
            // The ARN of a custom action (https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-custom-actions.html).
            ["resources"] = new JsonArray($"arn:aws:securityhub:{region}:{accountId}:action/custom/{actionId}"),
            ["detail"] = new JsonObject
            {
                ["actionName"] = "Isolate EC2",
                ["actionDescription"] = "Isolate the finding's EC2 instances",
                // ASFF (https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format-syntax.html):
                // AwsAccountId, CreatedAt, Description, GeneratorId, Id, ProductArn, Resources, SchemaVersion, Severity,
                // Title, Types, UpdatedAt required.
                ["findings"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["SchemaVersion"] = "2018-10-08",
                        ["Id"] = findingId,
                        ["ProductArn"] = $"arn:aws:securityhub:{region}::product/aws/guardduty",
                        ["GeneratorId"] = "arn:aws:guardduty:us-east-1:123456789012:detector/12abc34d567e8fa901bc2d34e56789f0",
                        ["AwsAccountId"] = findingAccount,
                        ["Types"] = new JsonArray("TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS"),
                        ["CreatedAt"] = "2026-11-25T09:59:30.000Z",
                        ["UpdatedAt"] = "2026-11-25T09:59:30.000Z",
                        // Severity (https://docs.aws.amazon.com/securityhub/1.0/APIReference/API_Severity.html): Label LOW.
                        ["Severity"] = new JsonObject { ["Label"] = "LOW", ["Normalized"] = 20 },
                        ["Title"] = "Command and Control server domain name queried by EC2 instance.",
                        ["Description"] = "EC2 instance is querying a domain name associated with a known Command & Control server.",
                        ["Resources"] = resources,
                        ["RecordState"] = "ACTIVE",
                        ["Workflow"] = new JsonObject { ["Status"] = "NEW" },
                    },
                },
            },
        }.ToJsonString();
    }

    /// <summary>An instance's ARN in the emulator's region.</summary>
    public static string InstanceArn(string instanceId, string accountId = MotoServer.AccountId) =>
        $"arn:aws:ec2:{MotoServer.Region}:{accountId}:instance/{instanceId}";
}
