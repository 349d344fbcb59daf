using System.Text.Json.Nodes;

namespace Ec2Isolation.TestSupport;

/// <summary>EC2 calls as CloudTrail delivers them to EventBridge ("AWS API Call via CloudTrail"), built from AWS's documentation.</summary>
public static partial class SampleEvents
{
    /// <summary>An attacker's role session, as CloudTrail records an assumed role's caller.</summary>
    public const string AttackerArn = "arn:aws:sts::123456789012:assumed-role/Admin/mallory";

    public const string AttackerRoleArn = "arn:aws:iam::123456789012:role/Admin";

    /// <summary>An IAM user, whose calls CloudTrail records with no sessionIssuer.</summary>
    public const string IamUserArn = "arn:aws:iam::123456789012:user/dev";

    /// <summary>
    /// One EC2 call. <paramref name="requestParameters"/> and <paramref name="responseElements"/> are the call's own
    /// (CloudTrail records the API's request parameters and response elements, e.g. instancesSet.items[].instanceId in the
    /// StartInstances example of https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html).
    /// </summary>
    /// <param name="errorCode">EC2's error, when it refused the call (errorCode and errorMessage are then recorded).</param>
    /// <param name="callerRoleArn">The role whose session made the call; null: <paramref name="callerArn"/> is an IAM user.</param>
    public static string ApiCall(
        string eventName,
        JsonObject requestParameters,
        JsonObject? responseElements = null,
        string? errorCode = null,
        string callerArn = AttackerArn,
        string? callerRoleArn = AttackerRoleArn)
    {
        ArgumentNullException.ThrowIfNull(requestParameters);
        const string region = MotoServer.Region;

        // Record contents (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html):
        // eventVersion, userIdentity, eventTime, eventSource, eventName, awsRegion, sourceIPAddress, userAgent,
        // requestParameters, responseElements, errorCode and errorMessage (only for a refused call), requestID, eventID,
        // readOnly, eventType, managementEvent, recipientAccountId, eventCategory.
        var detail = new JsonObject
        {
            ["eventVersion"] = "1.09",
            ["userIdentity"] = UserIdentity(callerArn, callerRoleArn),
            ["eventTime"] = "2026-11-25T10:06:00Z",
            ["eventSource"] = "ec2.amazonaws.com",
            ["eventName"] = eventName,
            ["awsRegion"] = region,
            ["sourceIPAddress"] = "198.51.100.7",
            ["userAgent"] = "aws-cli/2.15.0",
            ["requestParameters"] = requestParameters,
            ["responseElements"] = responseElements,
            ["requestID"] = "0f6b3c2e-7f4e-4a2b-9c1d-2e3f4a5b6c7d",
            ["eventID"] = "5d2e1c0b-9a8f-4e7d-8c6b-1a2b3c4d5e6f",
            ["readOnly"] = false,
            ["eventType"] = "AwsApiCall",
            ["managementEvent"] = true,
            ["recipientAccountId"] = MotoServer.AccountId,
            ["eventCategory"] = "Management",
        };
        if (errorCode is not null)
        {
            detail["errorCode"] = errorCode;
            detail["errorMessage"] = "The request was refused.";
        }

        return new JsonObject
        {
            // The envelope of CloudTrail's events on the default bus (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html):
            // detail-type "AWS API Call via CloudTrail", source the service's (aws.ec2), detail the CloudTrail record.
            ["version"] = "0",
            ["id"] = "6f3e2d1c-0b9a-4f8e-9d7c-3b4a5c6d7e8f",
            ["detail-type"] = "AWS API Call via CloudTrail",
            ["source"] = "aws.ec2",
            ["account"] = MotoServer.AccountId,
            ["time"] = "2026-11-25T10:06:00Z",
            ["region"] = region,
            ["resources"] = new JsonArray(),
            ["detail"] = detail,
        }.ToJsonString();
    }

    /// <summary>
    /// userIdentity (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html):
    /// of an assumed role, type AssumedRole, principalId, arn (the session's), accountId, accessKeyId,
    /// sessionContext.sessionIssuer (the role); of an IAM user, type IAMUser, principalId, arn, accountId, accessKeyId,
    /// userName, and a sessionContext with attributes alone: no sessionIssuer.
    /// </summary>
    private static JsonObject UserIdentity(string callerArn, string? callerRoleArn)
    {
        var name = callerArn[(callerArn.LastIndexOf('/') + 1)..];
        var attributes = new JsonObject { ["creationDate"] = "2026-11-25T10:05:00Z", ["mfaAuthenticated"] = "false" };
        if (callerRoleArn is null)
        {
            return new JsonObject
            {
                ["type"] = "IAMUser",
                ["principalId"] = "AIDAEXAMPLEID1234567",
                ["arn"] = callerArn,
                ["accountId"] = MotoServer.AccountId,
                ["accessKeyId"] = "AKIAEXAMPLEKEY123456",
                ["userName"] = name,
                ["sessionContext"] = new JsonObject { ["attributes"] = attributes },
            };
        }

        return new JsonObject
        {
            ["type"] = "AssumedRole",
            ["principalId"] = "AROAEXAMPLEID1234567:" + name,
            ["arn"] = callerArn,
            ["accountId"] = MotoServer.AccountId,
            ["accessKeyId"] = "ASIAEXAMPLEKEY123456",
            ["sessionContext"] = new JsonObject
            {
                ["sessionIssuer"] = new JsonObject
                {
                    ["type"] = "Role",
                    ["principalId"] = "AROAEXAMPLEID1234567",
                    ["arn"] = callerRoleArn,
                    ["accountId"] = MotoServer.AccountId,
                    ["userName"] = callerRoleArn[(callerRoleArn.LastIndexOf('/') + 1)..],
                },
                ["attributes"] = attributes,
            },
        };
    }

    /// <summary>
    /// TerminateInstances or StopInstances on instances, in the shape of the documented StartInstances record
    /// (instancesSet.items[].instanceId); refused, responseElements is null.
    /// </summary>
    public static string InstancesCall(string eventName, IReadOnlyList<string> instanceIds, string? errorCode = null, string callerRoleArn = AttackerRoleArn)
    {
        ArgumentNullException.ThrowIfNull(instanceIds);
        static JsonArray Items(IEnumerable<string> ids) => [.. ids.Select(id => (JsonNode)new JsonObject { ["instanceId"] = id })];
        return ApiCall(
            eventName,
            new JsonObject { ["instancesSet"] = new JsonObject { ["items"] = Items(instanceIds) } },
            errorCode is null ? new JsonObject { ["requestId"] = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", ["instancesSet"] = new JsonObject { ["items"] = Items(instanceIds) } } : null,
            errorCode,
            callerRoleArn: callerRoleArn);
    }

    /// <summary>
    /// ModifyNetworkInterfaceAttribute moving a network interface into other groups: its request parameters are the
    /// API's NetworkInterfaceId and SecurityGroupId.N (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ModifyNetworkInterfaceAttribute.html),
    /// recorded as networkInterfaceId and groupSet.items[].groupId.
    /// </summary>
    public static string NetworkInterfaceCall(string networkInterfaceId, string groupId, string callerRoleArn = AttackerRoleArn) =>
        ApiCall(
            "ModifyNetworkInterfaceAttribute",
            new JsonObject
            {
                ["networkInterfaceId"] = networkInterfaceId,
                ["groupSet"] = new JsonObject { ["items"] = new JsonArray(new JsonObject { ["groupId"] = groupId }) },
            },
            new JsonObject { ["requestId"] = "1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", ["_return"] = true },
            callerRoleArn: callerRoleArn);

    /// <summary>
    /// CreateTags, as CloudTrail records EC2's: requestParameters.resourcesSet.items[].resourceId and
    /// tagSet.items[] {key, value} (the API's ResourceId.N and Tag.N: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateTags.html),
    /// responseElements {_return: true}.
    /// </summary>
    public static string CreateTagsCall(
        IReadOnlyList<string> resourceIds, IReadOnlyDictionary<string, string> tags, string callerArn = AttackerArn, string? callerRoleArn = AttackerRoleArn,
        string? errorCode = null)
    {
        ArgumentNullException.ThrowIfNull(resourceIds);
        ArgumentNullException.ThrowIfNull(tags);
        return ApiCall(
            "CreateTags",
            new JsonObject
            {
                ["resourcesSet"] = new JsonObject { ["items"] = new JsonArray([.. resourceIds.Select(id => (JsonNode)new JsonObject { ["resourceId"] = id })]) },
                ["tagSet"] = new JsonObject { ["items"] = new JsonArray([.. tags.Select(tag => (JsonNode)new JsonObject { ["key"] = tag.Key, ["value"] = tag.Value })]) },
            },
            errorCode is null ? new JsonObject { ["requestId"] = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", ["_return"] = true } : null,
            errorCode,
            callerArn,
            callerRoleArn);
    }

    /// <summary>
    /// AuthorizeSecurityGroupIngress (or Egress) adding one rule to <paramref name="groupId"/>: requestParameters groupId and
    /// ipPermissions.items[] {ipProtocol, fromPort, toPort, ipRanges.items[].cidrIp} (the API's GroupId and IpPermissions:
    /// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AuthorizeSecurityGroupIngress.html), responseElements
    /// _return and securityGroupRuleSet.items[] {groupOwnerId, groupId, securityGroupRuleId, isEgress, ipProtocol, fromPort,
    /// toPort, cidrIpv4} (the API's SecurityGroupRules); refused, responseElements is null.
    /// </summary>
    public static string GroupRuleCall(
        string eventName, string groupId, string protocol, int port, string cidr, string? errorCode = null, string? callerRoleArn = AttackerRoleArn)
    {
        JsonObject Permission() => new()
        {
            ["ipProtocol"] = protocol,
            ["fromPort"] = port,
            ["toPort"] = port,
            ["ipRanges"] = new JsonObject { ["items"] = new JsonArray(new JsonObject { ["cidrIp"] = cidr }) },
        };
        var response = new JsonObject
        {
            ["requestId"] = "4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a",
            ["_return"] = true,
            ["securityGroupRuleSet"] = new JsonObject
            {
                ["items"] = new JsonArray(new JsonObject
                {
                    ["groupOwnerId"] = MotoServer.AccountId,
                    ["groupId"] = groupId,
                    ["securityGroupRuleId"] = "sgr-0a1b2c3d4e5f60718",
                    ["isEgress"] = eventName.EndsWith("Egress", StringComparison.Ordinal),
                    ["ipProtocol"] = protocol,
                    ["fromPort"] = port,
                    ["toPort"] = port,
                    ["cidrIpv4"] = cidr,
                }),
            },
        };
        return ApiCall(
            eventName,
            new JsonObject { ["groupId"] = groupId, ["ipPermissions"] = new JsonObject { ["items"] = new JsonArray(Permission()) } },
            errorCode is null ? response : null,
            errorCode,
            callerRoleArn: callerRoleArn);
    }
}
