using System.Diagnostics;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Bench;

/// <summary>
/// EC2's request rate limiting as "Request throttling for the Amazon EC2 API" documents it
/// (https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html): per account and region, one token bucket
/// per API action ("each API is evaluated individually"); a request takes a token or is answered RequestLimitExceeded;
/// a bucket refills at a set rate up to its size. Default figures: mutating actions 50 tokens refilled at 5 per second,
/// non-mutating 100 at 20; ModifyNetworkInterfaceAttribute and the instance profile associations 100 at 5; CreateTags
/// 100 at 10. Time scale 1: the real buckets; a scale s multiplies every bucket's size and refill rate by s (EC2 as
/// if its limits were s times theirs: an account with a limit increase, or, below 1, a slower emulator's stand-in for
/// EC2's pace), so that every floor is divided by s.
/// Other services (IAM, Auto Scaling, ELBv2, DynamoDB, SQS) are not throttled here.
/// </summary>
internal sealed class Ec2TokenBuckets(double timeScale = 1)
{
    private static readonly Dictionary<string, (double Size, double Rate)> Specific = new(StringComparer.Ordinal)
    {
        ["ModifyNetworkInterfaceAttribute"] = (100, 5),
        ["AssociateIamInstanceProfile"] = (100, 5),
        ["ReplaceIamInstanceProfileAssociation"] = (100, 5),
        ["DisassociateIamInstanceProfile"] = (100, 5),
        ["CreateTags"] = (100, 10),
    };

    private readonly Dictionary<string, (double Tokens, long At)> _buckets = new(StringComparer.Ordinal);

    public double TimeScale { get; } = timeScale;

    /// <summary>The documented bucket of an EC2 action: its size and refill rate per second (at time scale 1).</summary>
    public static (double Size, double Rate) Of(string action, bool mutating) =>
        Specific.TryGetValue(action, out var bucket) ? bucket : mutating ? (50, 5) : (100, 20);

    /// <summary>
    /// Seconds the bucket of <paramref name="action"/> needs to serve <paramref name="calls"/> calls, starting full: the
    /// floor no scheduling can beat.
    /// </summary>
    public double Floor(string action, bool mutating, int calls)
    {
        var (size, rate) = Of(action, mutating);
        return Math.Max(0, calls - (size * TimeScale)) / (rate * TimeScale);
    }

    /// <summary>The fault proxy's rule: EC2 requests take a token or are throttled.</summary>
    public Fault? Rule(RecordedRequest request) =>
        request.Service == "ec2" && !TryTake(request.Action, request.IsMutation) ? Fault.Throttling : null;

    private bool TryTake(string action, bool mutating)
    {
        var (size, rate) = Of(action, mutating);
        size = Math.Max(1, size * TimeScale);
        var now = Stopwatch.GetTimestamp();
        lock (_buckets)
        {
            var (tokens, at) = _buckets.GetValueOrDefault(action, (size, now));
            tokens = Math.Min(size, tokens + (Stopwatch.GetElapsedTime(at, now).TotalSeconds * rate * TimeScale));
            var taken = tokens >= 1;
            _buckets[action] = (taken ? tokens - 1 : tokens, now);
            return taken;
        }
    }
}
