using System.Text.Json.Nodes;

namespace Ec2Isolation.TestSupport;

/// <summary>EC2 calls as CloudTrail delivers them to EventBridge ("AWS API Call via CloudTrail"), built from AWS's documentation.</summary>
public static partial class SampleEvents
{
    /// <summary>An attacker's role session, as CloudTrail records an assumed role's caller.</summary>
    public const string AttackerArn = "arn:aws:sts::123456789012:assumed-role/Admin/mallory";

    public const string AttackerRoleArn = "arn:aws:iam::123456789012:role/Admin";

    /// <summary>
    /// One EC2 call. <paramref name="requestParameters"/> and <paramref name="responseElements"/> are the call's own
    /// (CloudTrail records the API's request parameters and response elements, e.g. instancesSet.items[].instanceId in the
    /// StartInstances example of https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html).
    /// </summary>
    /// <param name="errorCode">EC2's error, when it refused the call (errorCode and errorMessage are then recorded).</param>
    public static string ApiCall(
        string eventName,
        JsonObject requestParameters,
        JsonObject? responseElements = null,
        string? errorCode = null,
        string callerArn = AttackerArn,
        string callerRoleArn = AttackerRoleArn)
    {
        ArgumentNullException.ThrowIfNull(requestParameters);
        const string region = MotoServer.Region;
        var roleName = callerRoleArn[(callerRoleArn.LastIndexOf('/') + 1)..];

        // Record contents (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html):
        // eventVersion, userIdentity, eventTime, eventSource, eventName, awsRegion, sourceIPAddress, userAgent,
        // requestParameters, responseElements, errorCode and errorMessage (only for a refused call), requestID, eventID,
        // readOnly, eventType, managementEvent, recipientAccountId, eventCategory.
        var detail = new JsonObject
        {
            ["eventVersion"] = "1.09",
            // userIdentity of an assumed role (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html):
            // type AssumedRole, principalId, arn (the session's), accountId, accessKeyId, sessionContext.sessionIssuer (the role).
            ["userIdentity"] = new JsonObject
            {
                ["type"] = "AssumedRole",
                ["principalId"] = "AROAEXAMPLEID1234567:" + callerArn[(callerArn.LastIndexOf('/') + 1)..],
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
                        ["userName"] = roleName,
                    },
                    ["attributes"] = new JsonObject { ["creationDate"] = "2026-11-25T10:05:00Z", ["mfaAuthenticated"] = "false" },
                },
            },
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
}
