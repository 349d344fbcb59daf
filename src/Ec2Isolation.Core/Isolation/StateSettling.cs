using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation;

/// <summary>
/// Retries a call that EC2 refused for a state that settles by itself (<see cref="IncorrectStateException"/>): a profile
/// association still associating or disassociating right after a change, a pending or stopping instance. EC2's API is
/// eventually consistent ("Eventual consistency", https://docs.aws.amazon.com/ec2/latest/devguide/errors-overview.html#api-eventual-consistency):
/// the first refusal is never the answer. Backs off exponentially on the run's clock, within the invocation's deadline
/// (its cancellation token) and at most <see cref="MaxAttempts"/> attempts, then lets the last refusal through.
/// Each attempt should read the state afresh: it gets its number, from 1.
/// </summary>
internal static class StateSettling
{
    /// <summary>Attempts, the first included: waits of 0.5, 1, 2, 4, 8 and 16 s in between, 31.5 s in all.</summary>
    public const int MaxAttempts = 7;

    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(500);

    public static async Task<T> RetryAsync<T>(TimeProvider time, Func<int, Task<T>> attempt, CancellationToken cancellationToken)
    {
        var delay = FirstDelay;
        for (var number = 1; ; number++)
        {
            try
            {
                return await attempt(number);
            }
            catch (IncorrectStateException) when (number < MaxAttempts)
            {
                await Task.Delay(delay, time, cancellationToken);
                delay *= 2;
            }
        }
    }

    public static Task RetryAsync(TimeProvider time, Func<int, Task> attempt, CancellationToken cancellationToken) =>
        RetryAsync(time, async number =>
        {
            await attempt(number);
            return true;
        }, cancellationToken);
}
