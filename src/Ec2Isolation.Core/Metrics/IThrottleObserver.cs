namespace Ec2Isolation.Core.Metrics;

/// <summary>
/// Told of every AWS answer that said "slow down" and was retried (EC2's RequestLimitExceeded, Throttling and the like):
/// the adapters' retries call it, so that an isolation can say how much throttling it met.
/// </summary>
public interface IThrottleObserver
{
    /// <summary>One throttled attempt of <paramref name="action"/> (service:Action, or the SDK's request name).</summary>
    void Throttled(string action);
}
