using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Retries;

namespace Ec2Isolation.Core.Isolation;

/// <summary>
/// Retries a call that EC2 refused for a state that settles by itself (<see cref="IncorrectStateException"/>): a profile
/// association still associating or disassociating right after a change, a pending or stopping instance. EC2's API is
/// eventually consistent ("Eventual consistency", https://docs.aws.amazon.com/ec2/latest/devguide/errors-overview.html#api-eventual-consistency):
/// the first refusal is never the answer. Backs off exponentially on the run's clock, within the invocation's deadline
/// (its cancellation token) and at most <see cref="Backoff.StateSettling"/>'s attempts, then lets the last refusal through.
/// Each attempt should read the state afresh: it gets its number, from 1.
/// </summary>
internal static class StateSettling
{
    public static Task<T> RetryAsync<T>(TimeProvider time, Func<int, Task<T>> attempt, CancellationToken cancellationToken)
    {
        var number = 0;
        return Retry.WhileAsync(
            _ => attempt(++number), static _ => false, static e => e is IncorrectStateException, Backoff.StateSettling, time, cancellationToken);
    }

    public static Task RetryAsync(TimeProvider time, Func<int, Task> attempt, CancellationToken cancellationToken) =>
        RetryAsync(time, async number =>
        {
            await attempt(number);
            return true;
        }, cancellationToken);
}
