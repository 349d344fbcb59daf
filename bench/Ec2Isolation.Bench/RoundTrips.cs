namespace Ec2Isolation.Bench;

/// <summary>
/// Sequential round trips, read from the wire: the longest chain of requests in which each one started after the one
/// before it had been answered, ending at the call that completed containment. Requests that overlap in time can sit
/// in one chain only once: they are one round.
/// </summary>
internal static class RoundTrips
{
    /// <returns>The chain, first request first, <paramref name="target"/> last.</returns>
    public static IReadOnlyList<WireCall> LongestChainTo(IReadOnlyList<WireCall> calls, WireCall target)
    {
        var candidates = calls.Where(call => call.End <= target.Start).OrderBy(call => call.Start).Append(target).ToList();
        var length = new int[candidates.Count];
        var previous = new int[candidates.Count];
        for (var i = 0; i < candidates.Count; i++)
        {
            (length[i], previous[i]) = (1, -1);
            for (var j = 0; j < i; j++)
            {
                // Among equally long chains, the predecessor answered last: the one the request most plausibly waited for.
                var longer = length[j] + 1 > length[i] || (length[j] + 1 == length[i] && previous[i] >= 0 && candidates[j].End > candidates[previous[i]].End);
                if (candidates[j].End <= candidates[i].Start && longer)
                {
                    (length[i], previous[i]) = (length[j] + 1, j);
                }
            }
        }

        var chain = new List<WireCall>();
        for (var i = candidates.Count - 1; i >= 0; i = previous[i])
        {
            chain.Add(candidates[i]);
        }

        chain.Reverse();
        return chain;
    }
}
