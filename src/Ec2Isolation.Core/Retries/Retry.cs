namespace Ec2Isolation.Core.Retries;

/// <summary>
/// How long to wait between attempts: exponential from <see cref="First"/>, capped at <see cref="Longest"/>, with
/// "equal jitter" (half the delay fixed, half random) so that runs which failed together do not retry together.
/// </summary>
public sealed record Backoff(TimeSpan First, TimeSpan Longest, int Attempts)
{
    /// <summary>
    /// For answers that are only eventually right. AWS advises exponential backoff from a couple of seconds ("Eventual
    /// consistency in the Amazon EC2 API", https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html);
    /// the engine starts lower, since a group created a moment ago is usually visible within a second, and gives up
    /// after about 20 s of waiting (or sooner, at the run's deadline) with the last answer.
    /// </summary>
    public static Backoff EventualConsistency { get; } = new(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5), Attempts: 8);

    /// <summary>
    /// For a refusal of a state that settles by itself (an association still being made, a pending or stopping
    /// instance): seconds rather than milliseconds, 7 attempts and at most about 31 s of waiting in all.
    /// </summary>
    public static Backoff StateSettling { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(16), Attempts: 7);

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1.</summary>
    public TimeSpan DelayAfter(int attempt)
    {
        var exponential = Math.Min(First.TotalMilliseconds * Math.Pow(2, attempt - 1), Longest.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((exponential / 2) + (Random.Shared.NextDouble() * exponential / 2));
    }
}

/// <summary>
/// Retries a call while its error or its answer says "not yet" (an eventually consistent read, a resource created a
/// moment ago, an association still being made), waiting through the <see cref="TimeProvider"/> so that tests do not
/// sleep, and never past the caller's deadline: cancellation ends the wait at once.
/// </summary>
public static class Retry
{
    /// <summary>
    /// Calls <paramref name="attempt"/> until its answer no longer satisfies <paramref name="notYet"/> and it throws no error
    /// satisfying <paramref name="transient"/>, at most <see cref="Backoff.Attempts"/> times. The last attempt's answer
    /// is returned, and its error thrown, whatever they are.
    /// </summary>
    public static async Task<T> WhileAsync<T>(
        Func<CancellationToken, Task<T>> attempt, Func<T, bool> notYet, Func<Exception, bool> transient, Backoff backoff, TimeProvider time,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(notYet);
        ArgumentNullException.ThrowIfNull(transient);
        ArgumentNullException.ThrowIfNull(backoff);
        for (var number = 1; ; number++)
        {
            var last = number >= backoff.Attempts;
            try
            {
                var answer = await attempt(cancellationToken);
                if (last || !notYet(answer))
                {
                    return answer;
                }
            }
            catch (Exception e) when (!last && e is not OperationCanceledException && transient(e))
            {
                // Not yet: wait and ask again.
            }

            await Task.Delay(backoff.DelayAfter(number), time, cancellationToken);
        }
    }

    /// <summary>Calls <paramref name="attempt"/> again while it throws an error satisfying <paramref name="transient"/>.</summary>
    public static Task OnErrorAsync(
        Func<CancellationToken, Task> attempt, Func<Exception, bool> transient, Backoff backoff, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        return WhileAsync(
            async token =>
            {
                await attempt(token);
                return true;
            },
            static _ => false, transient, backoff, time, cancellationToken);
    }
}
