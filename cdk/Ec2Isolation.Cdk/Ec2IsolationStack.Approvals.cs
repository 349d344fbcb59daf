using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Ec2Isolation.Aws;

namespace Ec2Isolation.Cdk;

/// <summary>Slack's interactivity request URL: the function's own URL.</summary>
public sealed partial class Ec2IsolationStack
{
    /// <summary>
    /// A function URL with auth type NONE: Slack cannot sign requests with SigV4. That is acceptable only because the
    /// function verifies every request's Slack signature (HMAC-SHA256 with the app's signing secret, five-minute window,
    /// constant-time comparison) before it reads anything else, and answers 401 to the rest
    /// (SlackInteractionEndpoint). Since October 2025 a new function URL also needs lambda:InvokeFunction, granted here
    /// only through the URL (condition lambda:InvokedViaFunctionUrl), so that no one can invoke the function directly
    /// with an event of their own (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html).
    /// </summary>
    private void AddSlackInteractivityUrl(Function function, DeploymentSettings settings)
    {
        if (settings.SlackSigningSecretParameter is null)
        {
            return;
        }

        var url = function.AddFunctionUrl(new FunctionUrlOptions { AuthType = FunctionUrlAuthType.NONE });
        var invoke = new CfnPermission(this, "SlackInteractivityInvoke", new CfnPermissionProps
        {
            Action = "lambda:InvokeFunction",
            FunctionName = function.FunctionArn,
            Principal = "*",
        });
        invoke.AddPropertyOverride("InvokedViaFunctionUrl", true);
        Output("SlackInteractivityUrl", url.Url, "Slack app > Interactivity & Shortcuts > Request URL (every request's Slack signature is verified)");
        AddApprovalHandOff(function);
    }

    /// <summary>
    /// The URL answers Slack within its 3 seconds and hands each decision to an asynchronous invocation of the function
    /// itself (ApprovalService.HandOff; the function finds its own name in AWS_LAMBDA_FUNCTION_NAME, which Lambda sets).
    /// lambda:InvokeFunction on the function's own ARN alone, in a policy of its own: the function depends on its role
    /// and everything under it, so a statement in the role's own policy naming the function's ARN would be a circular
    /// reference; this policy depends on the function instead.
    /// </summary>
    private void AddApprovalHandOff(Function function) =>
        _ = new Policy(this, "ApprovalHandOffPolicy", new PolicyProps
        {
            Roles = [function.Role!],
            Statements =
            [
                new PolicyStatement(new PolicyStatementProps
                {
                    Actions = [.. RequiredActions.ApprovalHandOff],
                    Resources = [function.FunctionArn],
                }),
            ],
        });
}
