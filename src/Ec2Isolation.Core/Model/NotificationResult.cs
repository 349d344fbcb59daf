using System.Text.Json.Serialization;

namespace Ec2Isolation.Core.Model;

/// <summary>The moments of a run that responders hear about.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NoticeKind>))]
public enum NoticeKind
{
    /// <summary>The network step completed: the instance is contained, the other steps are still running.</summary>
    Started,
    /// <summary>Every isolation step completed.</summary>
    Completed,
    /// <summary>A step of an isolation or a release failed; the record says what holds.</summary>
    Failed,
    /// <summary>The original configuration was restored.</summary>
    Released,
    /// <summary>
    /// The instance was re-contained after a call CloudTrail recorded that could undo its isolation (the notice's
    /// <see cref="Notifications.IsolationNotice.Tampering"/> names the call, its caller and EC2's answer).
    /// </summary>
    Tampered,
    /// <summary>Amazon Inspector's findings on a replacement were read, or it could not scan it.</summary>
    Scanned,
}

/// <summary>What became of one notice (or of the ticket tag a notice's ticket led to), as the record keeps it.</summary>
/// <param name="Notifier">The notifier's name (<c>slack</c>, <c>jira</c>), or <c>instance-tag</c> for the ticket tag.</param>
/// <param name="Error">Why it failed: never a secret (notifiers keep URLs and tokens out of their messages).</param>
/// <param name="ExternalId">What the receiver named it, such as the Jira issue key.</param>
public sealed record NotificationResult(
    string Notifier, NoticeKind Kind, bool Succeeded, DateTimeOffset At, string? Error = null, string? ExternalId = null);
