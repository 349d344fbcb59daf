using Ec2Isolation.Core;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Cli;

/// <summary>The process exit codes, the contract scripts rely on.</summary>
internal static class ExitCodes
{
    /// <summary>Done, or nothing to do.</summary>
    public const int Success = 0;

    /// <summary>
    /// A step failed (an isolation whose network is contained ran every other step: it is incomplete), or anything
    /// unexpected; the record says what completed and what failed. Also a migration that skipped records.
    /// </summary>
    public const int Failure = 1;

    /// <summary>Bad input (a malformed event too), an unknown or terminated instance, an account it may not act in, or missing configuration; nothing was changed.</summary>
    public const int InvalidRequest = 2;

    /// <summary>Another run holds the record; nothing was changed by this run.</summary>
    public const int Busy = 3;

    /// <summary>
    /// A release of an instance whose original security groups are not known (found in isolation groups without a
    /// record) names none to restore: pass --restore-groups; nothing was changed.
    /// </summary>
    public const int RestoreGroupsRequired = 4;

    /// <summary>A stop refused because a snapshot of the instance has not completed (pending, failed, or none recorded): pass --force to stop anyway; nothing was changed.</summary>
    public const int SnapshotsPending = 5;

    /// <summary>EC2 refuses to stop the instance and will again (an instance store root, a Spot Instance of a one-time request); nothing was changed.</summary>
    public const int StopRefused = 6;

    /// <summary><c>approve</c> or <c>deny</c> of a request decided before (or expired, or decided by someone else at the same moment); nothing was changed.</summary>
    public const int ApprovalNotPending = 7;

    public static int For(Exception exception) => exception switch
    {
        ApprovalNotPendingException => ApprovalNotPending,
        SnapshotsPendingException => SnapshotsPending,
        StopRefusedException => StopRefused,
        InvalidRequestException or InvalidEventException or AccountRefusedException => InvalidRequest,
        IsolationBusyException => Busy,
        RestoreGroupsRequiredException => RestoreGroupsRequired,
        _ => Failure,
    };
}
