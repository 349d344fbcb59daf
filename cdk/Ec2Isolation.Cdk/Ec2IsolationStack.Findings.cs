using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Lambda;

namespace Ec2Isolation.Cdk;

/// <summary>
/// The rules of findings naming several instances (GuardDuty attack sequences, the Security Hub custom action), and of
/// CloudTrail's record of calls that could undo an isolation.
/// </summary>
public sealed partial class Ec2IsolationStack
{
    /// <summary>The finding type of GuardDuty Extended Threat Detection about a group of EC2 instances (Core.Events.IsolationEvent.Finding.AttackSequenceType).</summary>
    public const string AttackSequenceType = "AttackSequence:EC2/CompromisedInstanceGroup";

    private void AddFindingTriggers(Function function, DeploymentSettings settings)
    {
        AddTamperTrigger(function, settings);
        if (settings.AttackSequences)
        {
            // Its resource is no Instance (the GuardDuty rule's match): the instances are in service.detection.sequence.
            AddTrigger("GuardDutyAttackSequence", function, new RuleProps
            {
                Description = "GuardDuty attack sequences about a group of EC2 instances (Extended Threat Detection)",
                EventPattern = new EventPattern
                {
                    Source = ["aws.guardduty"],
                    DetailType = ["GuardDuty Finding"],
                    Detail = new Dictionary<string, object>
                    {
                        ["type"] = new[] { AttackSequenceType },
                        ["severity"] = new object[] { new Dictionary<string, object> { ["numeric"] = new object[] { ">=", ApprovalContext.RuleSeverity(settings, Core.Approvals.Triggers.AttackSequence) } } },
                    },
                },
            });
        }

        if (settings.SecurityHubActionId is { } actionId)
        {
            AddSecurityHubAction(function, actionId);
        }
    }

    /// <summary>
    /// The custom action analysts choose in Security Hub on findings whose instances are to be isolated, and the rule
    /// matching its events (https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-custom-actions.html).
    /// The construct library has no L1 class for AWS::SecurityHub::ActionTarget here: it is declared as a plain resource.
    /// </summary>
    private void AddSecurityHubAction(IFunction function, string actionId)
    {
        var action = new CfnResource(this, "SecurityHubIsolateAction", new CfnResourceProps
        {
            // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-securityhub-actiontarget.html:
            // Id up to 20 alphanumeric characters (replacement on change), Name up to 20 characters, Description.
            Type = "AWS::SecurityHub::ActionTarget",
            Properties = new Dictionary<string, object>
            {
                ["Id"] = actionId,
                ["Name"] = "Isolate EC2",
                ["Description"] = "Isolate the EC2 instances of the selected findings (Ec2Isolation)",
            },
        });
        action.AddMetadata("cfn-lint", new Dictionary<string, object>
        {
            // cfn-lint's bundled schemas lack this type (E3006), which CloudFormation documents (link above).
            ["config"] = new Dictionary<string, object> { ["ignore_checks"] = new[] { "E3006" } },
        });

        // arn:PARTITION:securityhub:REGION:ACCOUNT:action/custom/ID, as the action's events name it in resources.
        var actionArn = FormatArn(new ArnComponents
        {
            Service = "securityhub",
            Resource = "action",
            ResourceName = "custom/" + actionId,
            ArnFormat = ArnFormat.SLASH_RESOURCE_NAME,
        });
        AddTrigger("SecurityHubCustomAction", function, new RuleProps
        {
            Description = "The Security Hub custom action isolating the EC2 instances of the findings an analyst selected",
            EventPattern = new EventPattern
            {
                Source = ["aws.securityhub"],
                DetailType = ["Security Hub Findings - Custom Action"],
                Resources = [actionArn],
            },
        });
        Output("SecurityHubActionArn", actionArn, "The Security Hub custom action that isolates the selected findings' EC2 instances");
    }
}
