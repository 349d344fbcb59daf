using Ec2Isolation.Core.Approvals;
using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Fakes;

/// <summary>
/// Slack's user groups as usergroups.users.list answers them (https://api.slack.com/methods/usergroups.users.list): the
/// members of a known group; <c>no_such_subteam</c> for another; every call counted. <see cref="Failure"/> stands for
/// any other refusal (invalid_auth, ratelimited after Retry-After, Slack unreachable); <see cref="Slow"/> for a Slack
/// that answers only after the clock moved on.
/// </summary>
internal sealed class FakeApproverDirectory : IApproverDirectory
{
    public Dictionary<string, HashSet<string>> Groups { get; } = new(StringComparer.Ordinal);

    public List<string> Calls { get; } = [];

    public string? Failure { get; set; }

    /// <summary>Set: each call advances this clock by <see cref="SlowBy"/>, then waits until cancelled.</summary>
    public FakeTimeProvider? Slow { get; set; }

    public TimeSpan SlowBy { get; set; } = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlySet<string>> MembersAsync(string groupId, CancellationToken cancellationToken)
    {
        Calls.Add(groupId);
        if (Slow is { } clock)
        {
            clock.Advance(SlowBy);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        if (Failure is { } failure)
        {
            throw new ApproverDirectoryException(failure);
        }

        return Groups.TryGetValue(groupId, out var members)
            ? members
            : throw new ApproverDirectoryException($"Slack has no user group {groupId} (no_such_subteam)");
    }
}
