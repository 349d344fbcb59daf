using System.CommandLine;
using Ec2Isolation.Cli.Output;
using Ec2Isolation.Core;

namespace Ec2Isolation.Cli;

/// <summary><c>approve</c> and <c>deny</c>: an analyst decides an instance's pending approval request from the command line.</summary>
internal sealed partial class CliApplication
{
    private Command DecideCommand(bool approve)
    {
        var instanceId = new Argument<string>("instance-id") { Description = "The instance whose pending approval request to decide (i-...)." };
        var command = new Command(
            approve ? "approve" : "deny",
            approve
                ? "Approve an instance's pending approval request: it is isolated at once, with you as the requester."
                : "Deny an instance's pending approval request: nothing is changed, and the decision is kept.")
        {
            instanceId, _account,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult,
            async (services, token) =>
            {
                var approvals = services.Approvals ?? throw new InvalidRequestException(
                    "Approvals are not configured: set EC2ISOLATION_SLACK_WEBHOOK_PARAMETER (docs/tiers.md).");
                return new ApprovalOutput(await approvals.DecideAsync(parseResult.GetRequiredValue(instanceId), approve, token));
            },
            cancellationToken));
        return command;
    }
}
