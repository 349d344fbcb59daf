using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Lambda;
using Ec2Isolation.Core.Accounts;

namespace Ec2Isolation.Cdk;

/// <summary>
/// CloudTrail's record of EC2 calls that could undo an isolation, and of the CreateTags that applied the trigger tag
/// (who asked for the isolation its Tag Change event started), as CloudTrail delivers them to the default bus: it needs a
/// trail logging management events in the account (https://docs.aws.amazon.com/eventbridge/latest/userguide/event-types.html).
/// </summary>
public sealed partial class Ec2IsolationStack
{
    /// <summary>
    /// The calls of <see cref="Core.Events.IsolationEventProcessor.TamperingCallNames"/>, and CreateTags with the trigger tag,
    /// made by anyone but <paramref name="ownRoleArn"/> (the function's role; a member's execution role), whose calls are
    /// many and never tampering: each would invoke the function again. EventBridge matches a rule only when every field
    /// it names matches (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html), and
    /// anything-but never matches a field the event lacks; an IAM user's or the root's call has no
    /// userIdentity.sessionContext.sessionIssuer, so the field matches when it is anything but the role *or* absent
    /// (exists false matches a leaf's absence:
    /// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-exists-matching;
    /// the values of one field are alternatives). The tag's key and value are matched item by item, which EventBridge
    /// does across the array's items: the function checks that one item holds both.
    /// </summary>
    internal static EventPattern TamperPattern(DeploymentSettings settings, string ownRoleArn) => new()
    {
        Source = ["aws.ec2"],
        DetailType = ["AWS API Call via CloudTrail"],
        Detail = new Dictionary<string, object>
        {
            ["eventSource"] = new[] { "ec2.amazonaws.com" },
            ["userIdentity"] = new Dictionary<string, object>
            {
                ["sessionContext"] = new Dictionary<string, object>
                {
                    ["sessionIssuer"] = new Dictionary<string, object>
                    {
                        ["arn"] = new object[]
                        {
                            new Dictionary<string, object> { ["anything-but"] = ownRoleArn },
                            new Dictionary<string, object> { ["exists"] = false },
                        },
                    },
                },
            },
            ["$or"] = new object[]
            {
                new Dictionary<string, object> { ["eventName"] = Core.Events.IsolationEventProcessor.TamperingCallNames.ToArray() },
                new Dictionary<string, object>
                {
                    ["eventName"] = new[] { Core.Events.IsolationEventProcessor.CreateTagsCallName },
                    ["requestParameters"] = new Dictionary<string, object>
                    {
                        ["tagSet"] = new Dictionary<string, object>
                        {
                            ["items"] = new Dictionary<string, object> { ["key"] = new[] { settings.TagKey }, ["value"] = new[] { settings.TagValue } },
                        },
                    },
                },
            },
        },
    };

    /// <summary>The account's own calls; the function is told its role too, for the defence in depth.</summary>
    private void AddTamperTrigger(Function function, DeploymentSettings settings)
    {
        var roleArn = function.Role!.RoleArn;
        function.AddEnvironment("EC2ISOLATION_FUNCTION_ROLE_ARN", roleArn);
        AddTrigger("Tampering", function, new RuleProps
        {
            Description = "EC2 calls that could undo an isolation, and who applied the trigger tag (CloudTrail management events)",
            EventPattern = TamperPattern(settings, roleArn),
        });
    }

    /// <summary>
    /// The members' CloudTrail events, forwarded by their member stacks (which leave out their execution role's calls, the
    /// function's own there), from the listed accounts only when the accounts are listed; the function refuses every
    /// account it may not act in whatever the rule.
    /// </summary>
    private void AddMemberTamperTrigger(IFunction function, IEventBus bus, DeploymentSettings settings)
    {
        var pattern = TamperPattern(settings, function.Role!.RoleArn);
        var listed = settings.AllowedAccounts.Where(AccountSettings.IsAccountId).ToArray();
        if (listed.Length == settings.AllowedAccounts.Count)
        {
            pattern.Account = listed;
        }

        AddTrigger("MemberTampering", function, new RuleProps
        {
            Description = "EC2 calls that could undo an isolation in a member account, and who applied its trigger tag, forwarded by its member stack",
            EventBus = bus,
            EventPattern = pattern,
        });
    }
}
