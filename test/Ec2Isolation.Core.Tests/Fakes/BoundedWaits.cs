namespace Ec2Isolation.Core.Tests.Fakes;

/// <summary>
/// The waits by which a test orders concurrent runs: each ends after <see cref="Bound"/>, failing the test, where an
/// unbounded wait for an order the engine no longer takes would hang the whole test run.
/// </summary>
internal static class BoundedWaits
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public static void WaitOrFail(this ManualResetEventSlim signal)
    {
        if (!signal.Wait(Bound))
        {
            throw new TimeoutException($"The signal a test waited for was not set within {Bound.TotalSeconds} s.");
        }
    }

    public static Task WaitOrFailAsync(this Task signal) => signal.WaitAsync(Bound);

    public static Task<T> WaitOrFailAsync<T>(this Task<T> result) => result.WaitAsync(Bound);
}
