namespace Ec2Isolation.Core.Notifications;

/// <summary>How long notices may hold up a run: what the engine waits, and so what an invocation must leave room for.</summary>
public static class NoticeTiming
{
    /// <summary>Each notice (and each ticket tag) is given up after this long.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest the end of a run waits for its pending notices when each is given <paramref name="timeout"/>: the
    /// last notice may still be queued behind the one before it.
    /// </summary>
    public static TimeSpan SettleBound(TimeSpan timeout) => 2 * timeout;
}
