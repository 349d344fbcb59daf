using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Approvals;

/// <summary>Whether a Slack user may decide: an approver, not one, or not known because a group could not be read.</summary>
public enum ApproverVerdict
{
    Approver,
    NotApprover,

    /// <summary>A user group's members could not be read: the click is refused (fail closed), and may be tried again.</summary>
    Unresolved,
}

/// <param name="Why">Which entry matched, or why a group could not be read (for the one who clicked, and the log).</param>
public sealed record ApproverAnswer(ApproverVerdict Verdict, string Why);

/// <summary>
/// Who may approve or deny: a Slack user listed by id, or a member of a listed user group. Fails closed: a user found
/// neither way while a group could not be read is <see cref="ApproverVerdict.Unresolved"/>, never an approver.
/// <para>
/// A group's members are kept for <see cref="CacheFor"/> (per process, through the <see cref="TimeProvider"/>). That is
/// safe: only what Slack answered is kept, never a failure; a member removed from the group can still decide for at most
/// that long, as they could have clicked a moment before the removal; and a member just added waits at most that long.
/// It keeps a burst of clicks within usergroups.users.list's rate limit (Tier 2, 20+ a minute:
/// https://api.slack.com/methods/usergroups.users.list).
/// </para>
/// </summary>
public sealed partial class ApproverCheck(ApprovalSettings settings, IApproverDirectory? directory, TimeProvider time, ILogger logger)
{
    /// <summary>How long a group's members are used before Slack is asked again.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long one group's lookup may take: Slack wants an interaction acknowledged within 3 seconds
    /// (https://api.slack.com/interactivity/handling#acknowledgment_response), so a slow Slack is refused in time, not waited for.
    /// </summary>
    public static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, (IReadOnlySet<string> Members, DateTimeOffset ReadAt)> _members = new(StringComparer.Ordinal);

    public async Task<ApproverAnswer> CheckAsync(string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Approvers.Contains(userId))
        {
            return new(ApproverVerdict.Approver, $"{userId} is listed in {ApprovalVariables.Approvers}");
        }

        var unresolved = new List<string>();
        foreach (var group in settings.ApproverGroups.Order(StringComparer.Ordinal))
        {
            try
            {
                if ((await MembersAsync(group, cancellationToken)).Contains(userId))
                {
                    // The audit trail says through which group, since the group's membership may change afterwards.
                    LogMember(logger, userId, group);
                    return new(ApproverVerdict.Approver, $"{userId} is a member of Slack user group {group}");
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var why = e is OperationCanceledException ? $"Slack did not answer within {LookupTimeout.TotalSeconds:0} seconds" : e.Message;
                LogUnresolved(logger, group, userId, why);
                unresolved.Add($"user group {group}: {why}");
            }
        }

        return unresolved.Count > 0
            ? new(ApproverVerdict.Unresolved, string.Join("; ", unresolved))
            : new(ApproverVerdict.NotApprover, $"{userId} is neither listed nor a member of a listed user group");
    }

    private async Task<IReadOnlySet<string>> MembersAsync(string group, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_members.TryGetValue(group, out var known) && now - known.ReadAt < CacheFor)
            {
                return known.Members;
            }
        }

        if (directory is null)
        {
            throw new ApproverDirectoryException($"no Slack directory to read it from ({ApprovalVariables.BotToken} is not set)");
        }

        using var timeout = new CancellationTokenSource(LookupTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var members = await directory.MembersAsync(group, linked.Token);
        lock (_lock)
        {
            _members[group] = (members, now);
        }

        return members;
    }

    [LoggerMessage(2132, LogLevel.Information, "Slack user {UserId} may decide as a member of Slack user group {Group}")]
    private static partial void LogMember(ILogger logger, string userId, string group);

    [LoggerMessage(2131, LogLevel.Error, "The members of Slack user group {Group} could not be read, so {UserId} was refused: {Why}")]
    private static partial void LogUnresolved(ILogger logger, string group, string userId, string why);
}
