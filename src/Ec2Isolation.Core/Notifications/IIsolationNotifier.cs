using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Notifications;

/// <summary>
/// Tells responders (a chat, a ticket system) about a run. The engine sends notices in the background after the network
/// is cut and never waits on them for containment; a notifier that fails or hangs is recorded and logged, nothing more.
/// </summary>
public interface IIsolationNotifier
{
    /// <summary>Stable: records keep it (<c>slack</c>, <c>jira</c>).</summary>
    string Name { get; }

    /// <summary>Sends one notice. Throws on failure, with a message that names no secret (it is logged and recorded).</summary>
    Task<NotificationReceipt> NotifyAsync(IsolationNotice notice, CancellationToken cancellationToken);
}

/// <param name="Kind">Which moment of the run.</param>
/// <param name="Record">The record as it was at that moment (a copy: the run goes on changing its own).</param>
/// <param name="ReleaseCommand">The exact command that releases the instance.</param>
/// <param name="Error">What failed, for <see cref="NoticeKind.Failed"/>.</param>
public sealed record IsolationNotice(NoticeKind Kind, IsolationRecord Record, string ReleaseCommand, string? Error = null)
{
    /// <summary>For a re-containment after tampering (every notice of that run): the call, who made it, and whether EC2 refused it.</summary>
    public TamperingCall? Tampering { get; init; }

    /// <summary>The analyst's command that releases the instance of <paramref name="record"/>.</summary>
    public static string ReleaseCommandFor(IsolationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        // The account too: from a central deployment, the instance may be in a member account.
        return $"ec2-isolation release {record.InstanceId} --account {record.AccountId} --region {record.Region}";
    }
}

/// <param name="ExternalId">
/// What the receiver named the notice. An id that differs from the record's <see cref="IsolationRecord.TicketKey"/>
/// names a ticket opened for the isolation: it becomes the record's ticket key and the instance's ticket tag, and the
/// notifier's later notices of the run carry it in their record.
/// </param>
public sealed record NotificationReceipt(string? ExternalId = null);
