using Ec2Isolation.Core.Approvals;

namespace Ec2Isolation.Cli.Output;

/// <summary>A decision: <c>{ "message", "request" }</c>; as text, the message and the request.</summary>
internal sealed record ApprovalOutput(string Message, ApprovalRequest? Request) : ICommandOutput
{
    public ApprovalOutput(ApprovalAnswer answer)
        : this(answer?.Message ?? string.Empty, answer?.Request)
    {
    }

    /// <summary>One line about a request: pending until when, or who decided what; its ticket when it has one.</summary>
    public static string Describe(ApprovalRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = request.TicketKey is { } ticket ? $"request {request.RequestId} (ticket {ticket})" : $"request {request.RequestId}";
        return request.Status == ApprovalStatus.Pending
            ? $"approval: {name} pending until {RecordFacts.Time(request.ExpiresAt)}, then {request.OnExpiry.ToString().ToLowerInvariant()} ({request.Reason})"
            : $"approval: {name} {request.Status} by {request.DecidedBy} at {RecordFacts.Time(request.DecidedAt!.Value)}: {request.Outcome}";
    }

    /// <summary>What the responder was shown (name, Auto Scaling group, load balancers, target groups), on one line; null when nothing was.</summary>
    public static string? Evidence(ApprovalRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Evidence.Count == 0 ? null : "evidence: " + string.Join("; ", request.Evidence.Select(fact => $"{fact.Key}: {fact.Value}"));
    }

    public void WriteTable(TextWriter writer)
    {
        writer.WriteLine(Message);
        if (Request is not null)
        {
            writer.WriteLine(Describe(Request));
        }
    }
}
