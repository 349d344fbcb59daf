using System.Text.Json;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Isolation;

namespace Ec2Isolation.Core.Events;

internal abstract partial record IsolationEvent
{
    /// <summary>
    /// A decision made through Slack's interaction URL, handed on by the function to an invocation of its own
    /// (<see cref="ApprovalHandOff"/>). It only names the request: the processor acts on what the request's record says.
    /// </summary>
    /// <param name="ResponseUrl">Slack's response URL of the click (Slack's host only), or null.</param>
    internal sealed record ApprovalDecided(string EventId, string Account, string Region, string RequestId, string InstanceId, Uri? ResponseUrl)
        : IsolationEvent(EventId, Account, Region)
    {
        public override string Kind => "approval-decision";

        public static ApprovalDecided From(string id, string account, string region, JsonElement root)
        {
            var detail = Object(root, "detail");
            var requestId = String(detail, "requestId");
            if (requestId.Length != 32 || !requestId.All(char.IsAsciiHexDigitLower))
            {
                throw new InvalidEventException($"'{InstanceIds.Printable(requestId)}' is not an approval request id (32 lowercase hex digits).");
            }

            Uri? responseUrl = null;
            if (Optional(detail, "responseUrl") is { } url)
            {
                responseUrl = Uri.TryCreate(Text(url, "responseUrl"), UriKind.Absolute, out var parsed) && SlackInteractionEndpoint.IsSlackResponseUrl(parsed)
                    ? parsed
                    : throw new InvalidEventException("'responseUrl' is not a Slack response URL.");
            }

            return new ApprovalDecided(id, account, region, requestId, InstanceIds.Validate(String(detail, "instanceId")), responseUrl);
        }
    }
}
