using System.Globalization;
using System.Text.Json.Serialization;

namespace Ec2Isolation.Core.Approvals;

/// <summary>What a trigger's tier does with the instances it names.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TierAction>))]
public enum TierAction
{
    /// <summary>Isolate at once (the behaviour before tiers existed).</summary>
    Contain,
    /// <summary>Post an approval request; isolate on approval, or as the tier's time-out says.</summary>
    Ask,
    /// <summary>Tell the channel; change nothing.</summary>
    Notify,
    /// <summary>Change nothing, tell no one (the result says why).</summary>
    Ignore,
}

/// <summary>What an approval request that nobody answered in time becomes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ExpiryAction>))]
public enum ExpiryAction
{
    /// <summary>Isolate anyway: a critical finding at 3 a.m. is not left waiting.</summary>
    Contain,
    /// <summary>Close the request; change nothing.</summary>
    Drop,
}

/// <summary>The triggers a tier names (EC2ISOLATION_TIERS).</summary>
public static class Triggers
{
    public const string Tag = "tag";
    public const string GuardDuty = "guardduty";
    public const string AttackSequence = "attack-sequence";
    public const string SecurityHubAction = "securityhub-action";

    public static IReadOnlyList<string> All { get; } = [Tag, GuardDuty, AttackSequence, SecurityHubAction];
}

/// <summary>One row of the tier table: a trigger, a severity band (from inclusive, to exclusive but 10), an action.</summary>
/// <param name="Timeout">How long an <see cref="TierAction.Ask"/> request waits for a decision.</param>
/// <param name="OnExpiry">What an unanswered request becomes.</param>
public sealed record Tier(string Trigger, double MinSeverity, double MaxSeverity, TierAction Action, TimeSpan Timeout, ExpiryAction OnExpiry)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    public bool Matches(string trigger, double severity) =>
        trigger == Trigger && severity >= MinSeverity && (severity < MaxSeverity || (MaxSeverity >= 10 && severity <= 10));

    public override string ToString()
    {
        var band = MinSeverity <= 0 && MaxSeverity >= 10 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $":{MinSeverity}-{MaxSeverity}");
        var action = Action.ToString().ToLowerInvariant();
        return Action == TierAction.Ask
            ? string.Create(CultureInfo.InvariantCulture, $"{Trigger}{band}={action}/{Timeout.TotalMinutes}/{OnExpiry.ToString().ToLowerInvariant()}")
            : $"{Trigger}{band}={action}";
    }
}

/// <summary>
/// The tier table: the configured rows first (EC2ISOLATION_TIERS), in order, then the defaults, which keep the behaviour
/// before tiers existed (an analyst's tag, attack sequences and the custom action contain; GuardDuty contains at or above
/// EC2ISOLATION_GUARDDUTY_MIN_SEVERITY and ignores below). The first row that matches decides.
/// </summary>
public sealed record TierPolicy(IReadOnlyList<Tier> Configured)
{
    public static TierPolicy Default { get; } = new([]);

    /// <summary>The tier of <paramref name="trigger"/> at <paramref name="severity"/> (severity 10 for triggers that have none).</summary>
    public Tier For(string trigger, double severity, double guardDutyMinSeverity) =>
        Configured.FirstOrDefault(tier => tier.Matches(trigger, severity))
        ?? Defaults(guardDutyMinSeverity).First(tier => tier.Matches(trigger, severity));

    /// <summary>Whether any row asks for approval or a notice (the Slack settings they need are then required).</summary>
    public bool Uses(TierAction action) => Configured.Any(tier => tier.Action == action);

    private static IEnumerable<Tier> Defaults(double guardDutyMinSeverity) =>
    [
        new(Triggers.GuardDuty, guardDutyMinSeverity, 10, TierAction.Contain, Tier.DefaultTimeout, ExpiryAction.Contain),
        new(Triggers.GuardDuty, 0, guardDutyMinSeverity, TierAction.Ignore, Tier.DefaultTimeout, ExpiryAction.Drop),
        .. Triggers.All.Select(trigger => new Tier(trigger, 0, 10, TierAction.Contain, Tier.DefaultTimeout, ExpiryAction.Contain)),
    ];

    /// <summary>
    /// Parses EC2ISOLATION_TIERS: rows separated by <c>;</c>, each <c>TRIGGER[:MIN-MAX]=ACTION</c>, and for <c>ask</c>
    /// optionally <c>/MINUTES/contain|drop</c> (default 30 minutes, then contain: fail closed). Throws
    /// <see cref="FormatException"/> naming the wrong row.
    /// </summary>
    public static TierPolicy Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rows = new List<Tier>();
        foreach (var row in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            rows.Add(ParseRow(row));
        }

        return new(rows);
    }

    private static Tier ParseRow(string row)
    {
        var equals = row.Split('=');
        if (equals.Length != 2)
        {
            throw Wrong(row, "expected TRIGGER[:MIN-MAX]=ACTION");
        }

        var (trigger, min, max) = ParseBand(row, equals[0].Trim());
        var parts = equals[1].Trim().Split('/');
        if (!Enum.TryParse<TierAction>(parts[0], ignoreCase: true, out var action) || !Enum.IsDefined(action) || int.TryParse(parts[0], out _))
        {
            throw Wrong(row, "the action must be contain, ask, notify or ignore");
        }

        if (parts.Length == 1)
        {
            return new(trigger, min, max, action, Tier.DefaultTimeout, ExpiryAction.Contain);
        }

        if (action != TierAction.Ask || parts.Length != 3)
        {
            throw Wrong(row, "only ask takes a time-out, as ask/MINUTES/contain or ask/MINUTES/drop");
        }

        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) || minutes is < 1 or > 1440)
        {
            throw Wrong(row, "the time-out is a whole number of minutes from 1 to 1440");
        }

        var expiry = parts[2].ToLowerInvariant() switch
        {
            "contain" => ExpiryAction.Contain,
            "drop" => ExpiryAction.Drop,
            _ => throw Wrong(row, "after the time-out comes contain or drop"),
        };
        return new(trigger, min, max, action, TimeSpan.FromMinutes(minutes), expiry);
    }

    private static (string Trigger, double Min, double Max) ParseBand(string row, string left)
    {
        var colon = left.Split(':');
        var trigger = colon[0].Trim().ToLowerInvariant();
        if (!Triggers.All.Contains(trigger))
        {
            throw Wrong(row, $"the trigger must be one of {string.Join(", ", Triggers.All)}");
        }

        if (colon.Length == 1)
        {
            return (trigger, 0, 10);
        }

        var band = colon[1].Split('-');
        if (colon.Length != 2 || band.Length != 2
            || !double.TryParse(band[0], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var min)
            || !double.TryParse(band[1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var max)
            || min < 0 || max > 10 || min >= max)
        {
            throw Wrong(row, "the severity band is MIN-MAX, from 0 to 10, MIN below MAX (MIN included, MAX not, but 10)");
        }

        return (trigger, min, max);
    }

    private static FormatException Wrong(string row, string why) => new($"'{row}': {why}");
}
