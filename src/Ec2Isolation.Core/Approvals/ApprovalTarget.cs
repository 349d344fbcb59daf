namespace Ec2Isolation.Core.Approvals;

/// <summary>One instance a trigger's tier asks about (or notifies of), with what a responder needs to decide.</summary>
/// <param name="Trigger">One of <see cref="Triggers"/>.</param>
/// <param name="Reason">Why it would be isolated, as the isolation record would say it.</param>
/// <param name="FindingTitle">The finding's type or title, for people.</param>
/// <param name="SourceEventId">The event that asked.</param>
public sealed record ApprovalTarget(
    string AccountId, string Region, string InstanceId, string Trigger, string Reason, string? FindingId, string? FindingTitle, double? Severity,
    string SourceEventId, Tier Tier);

/// <summary>A click on a request's Approve or Deny button, or an analyst's <c>approve</c>/<c>deny</c> command.</summary>
/// <param name="ButtonValue">The request's <see cref="ApprovalRequest.ButtonValue"/>.</param>
/// <param name="Approve">Approve (isolate) or deny (change nothing).</param>
/// <param name="DecidedBy">Who decided: <c>slack:U0123ABCD (name)</c>, or the analyst's ARN.</param>
/// <param name="ResponseUrl">Where the message is updated with the decision (Slack's <c>response_url</c>); null from the CLI.</param>
public sealed record ApprovalClick(string ButtonValue, bool Approve, string DecidedBy, Uri? ResponseUrl);

/// <summary>What a decision did.</summary>
/// <param name="Accepted">False: nothing changed (unknown, decided before, expired).</param>
/// <param name="Message">One sentence for the one who decided.</param>
/// <param name="Request">The request as stored after the decision; null when unknown.</param>
public sealed record ApprovalAnswer(bool Accepted, string Message, ApprovalRequest? Request = null);
