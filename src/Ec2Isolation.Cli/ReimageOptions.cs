using System.CommandLine;
using System.Globalization;

namespace Ec2Isolation.Cli;

/// <summary>The options of <c>replace</c> that re-image from known-good snapshots; a bad value is a parse error (exit code 2).</summary>
internal static class ReimageOptions
{
    public static Option<string[]> FromSnapshot() => new("--from-snapshot")
    {
        Description = "Re-image from this snapshot (snap-...) of one of the instance's volumes; repeat it per volume. The root volume's is required; "
            + "volumes without one are left out.",
        AllowMultipleArgumentsPerToken = false,
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static Option<DateTimeOffset?> Before() => new("--before")
    {
        Description = "Re-image from each volume's latest completed snapshot started before this time (ISO 8601, UTC unless it names an offset, "
            + "e.g. 2026-12-01T08:00:00Z).",
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            {
                return time;
            }

            result.AddError($"--before must be an ISO 8601 time such as 2026-12-01T08:00:00Z, not '{text}'.");
            return null;
        },
    };

    public static Option<bool> IncludeIsolationSnapshots() => new("--include-isolation-snapshots")
    {
        Description = "Allow the snapshots an isolation took (the compromised state) as sources; never chosen otherwise.",
    };
}
