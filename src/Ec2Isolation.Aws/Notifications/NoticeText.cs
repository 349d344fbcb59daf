using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Notifications;

namespace Ec2Isolation.Aws.Notifications;

/// <summary>One labelled fact of a notice.</summary>
internal readonly record struct NoticeFact(string Label, string Value);

/// <summary>
/// What a notice says, in the words every notifier renders (Slack as blocks, Jira as a document): a title, one line,
/// the facts (instance, account, region, reason, what was done, snapshots) and the command that releases the instance.
/// A re-containment after tampering says so first: the call, who made it (userIdentity's ARN and type) and EC2's answer.
/// </summary>
internal sealed record NoticeText(string Title, string Summary, IReadOnlyList<NoticeFact> Facts, string? ReleaseCommand)
{
    public static NoticeText For(IsolationNotice notice)
    {
        var record = notice.Record;
        var id = record.InstanceId;
        var releasing = record.Status is IsolationStatus.Releasing or IsolationStatus.Released;
        var tampering = notice.Tampering;
        var (title, summary) = notice.Kind switch
        {
            NoticeKind.Tampered => ($"Tampering with isolated EC2 instance {id}: re-contained",
                $"{tampering?.EventName} by {tampering?.Caller} {tampering?.Verdict}; the isolation was applied again."),
            NoticeKind.Failed when tampering is not null => ($"Re-containment of tampered EC2 instance {id} failed", notice.Error ?? "A step failed."),
            NoticeKind.Started => ($"EC2 instance {id} contained", "Network contained; isolation continuing."),
            NoticeKind.Completed => ($"EC2 instance {id} isolated", "Isolation complete: network contained, credentials revoked, evidence kept."),
            NoticeKind.Failed when releasing => ($"Release of EC2 instance {id} failed", notice.Error ?? "A release step failed."),
            NoticeKind.Failed => ($"Isolation of EC2 instance {id} failed", notice.Error ?? "An isolation step failed."),
            NoticeKind.Scanned when record.ReplacementScans.LastOrDefault() is { } scan =>
                ($"Amazon Inspector on the replacement of EC2 instance {id}", scan.Describe()),
            _ => ($"EC2 instance {id} released", "Original configuration restored."),
        };

        var done = releasing ? record.ReleasedSteps : record.CompletedSteps;
        List<NoticeFact> facts = tampering is null
            ? []
            :
            [
                new("Call", tampering.EventName),
                new("Caller", tampering.CallerType is { } type ? $"{tampering.Caller} ({type})" : tampering.Caller),
                new("EC2's answer", tampering.ErrorCode is { } error ? $"refused ({error})" : "succeeded"),
            ];
        facts.AddRange(
        [
            new("Instance", id),
            new("Account", record.AccountId),
            new("Region", record.Region),
            new("Incident", record.IncidentId),
            new("Reason", record.Reason),
        ]);
        if (record.FindingIds.Count > 0)
        {
            facts.Add(new("GuardDuty findings", string.Join(", ", record.FindingIds)));
        }

        // The approval that asked for the isolation, in the Slack notice and the Jira ticket alike.
        facts.AddRange(record.Approvals.Select(approval =>
            new NoticeFact("Approval", $"{approval.Status} by {approval.DecidedBy} at {approval.DecidedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC (request {approval.RequestId})"
                + (approval.LoadBalancers is { } loadBalancers ? $"; load balancers shown: {loadBalancers}" : string.Empty))));
        facts.Add(releasing ? new("Released by", record.ReleasedBy ?? "unknown") : new("Requested by", record.RequestedBy));
        facts.Add(new(releasing ? "Restored" : "Done", done.Count == 0 ? "nothing yet" : string.Join(", ", done)));
        facts.Add(new("Snapshots", record.Artifacts.SnapshotIds.Count == 0 ? "none yet" : string.Join(", ", record.Artifacts.SnapshotIds)));
        if (record.TicketKey is { } ticket)
        {
            facts.Add(new("Ticket", ticket));
        }

        if (record.ReplacementScans.LastOrDefault() is { } last)
        {
            facts.Add(new("Replacement scan", last.Describe()));
        }

        return new(title, summary, facts, notice.Kind is NoticeKind.Released or NoticeKind.Scanned ? null : notice.ReleaseCommand);
    }
}
