using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// The permissions boundary that revokes the sessions of isolated instances on one role: it allows everything (a
/// boundary grants nothing; the role keeps exactly what its own policies grant) and denies everything to the sessions
/// of the role's isolated instances. One customer managed policy per role, under the tool's own path, which the
/// function may attach only as a boundary (README, "Trust").
/// </summary>
/// <remarks>
/// A role is global but each region's deployment keeps its own list (its own record table): each region owns its own
/// statements, whose Sid ends with the region (<see cref="RegionSuffix"/>), and a run replaces only its region's
/// statements, keeping every other region's verbatim. Each instance is named as <c>"*/i-0123456789abcdef0"</c> in the
/// region's <c>StringLike</c> list on <c>ec2:SourceInstanceARN</c> (<c>arn:PARTITION:ec2:REGION:ACCOUNT:instance/ID</c>):
/// 24 characters per instance, against about 40 anchored to the region (<c>"arn:*:ec2:us-east-1:*/i-…"</c>). Instance ids
/// do not repeat across regions in practice, and a repeat would only deny more, so the shorter form leaves more of the
/// policy to share. A managed policy holds 6,144 characters, whitespace not counted, for every region's statements
/// together (IAM quotas, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html): <see cref="Capacity"/>
/// instances when one region uses it. Past what the other regions leave, the region's deny becomes role-wide for the
/// region: its oldest instances stay named, and every session of the role that an instance of the region obtained before
/// the last overflowing isolation is denied too (the isolated instances' profiles are swapped by then, so they get no
/// new session of this role; healthy instances of the role fetch new credentials from their metadata service, at the
/// price of failed calls until they do).
/// </remarks>
public static partial class RevocationBoundary
{
    /// <summary>IAM's limit on a managed policy document, whitespace not counted.</summary>
    public const int MaxPolicyCharacters = 6144;

    /// <summary>The IAM path of every policy the tool owns: the function may only attach policies under it as boundaries.</summary>
    public const string PolicyPath = "/ec2-isolation/";

    /// <summary>The name of every boundary policy starts with it (the role's name follows).</summary>
    public const string PolicyPrefix = "ec2-isolation-revoke-";

    private const string AllowSid = "AllowWhatTheRolePoliciesGrant";
    private const string DenyListSid = "DenyIsolatedInstances";
    private const string RoleWideSid = "DenyInstanceSessionsIssuedBeforeRoleWideRevocation";

    /// <summary>The longest instance id EC2 issues (17 hexadecimal digits).</summary>
    private const string LongestInstanceId = "i-0123456789abcdef0";

    /// <summary>How many instances one role's boundary names before the deny becomes role-wide, when one region uses it.</summary>
    internal static int Capacity { get; } = RegionCapacity("ap-southeast-1", []);

    internal static string PolicyName(string roleName) => PolicyPrefix + roleName;

    /// <summary>The boundary's ARN: <c>arn:PARTITION:iam::ACCOUNT:policy/ec2-isolation/ec2-isolation-revoke-ROLE</c>.</summary>
    internal static string PolicyArn(string partition, string accountId, string roleName) =>
        $"arn:{partition}:iam::{accountId}:policy{PolicyPath}{PolicyName(roleName)}";

    /// <summary>The end of a region's Sids, alphanumeric as IAM requires: <c>us-east-1</c> gives <c>UsEast1</c>.</summary>
    internal static string RegionSuffix(string region) =>
        new([.. string.Concat(region.Split('-', StringSplitOptions.RemoveEmptyEntries).Select(part => char.ToUpperInvariant(part[0]) + part[1..])).Where(char.IsAsciiLetterOrDigit)]);

    /// <summary>
    /// Splits a boundary document into the other regions' statements (verbatim, compact) and <paramref name="region"/>'s
    /// own: the instance ids its list names, its role-wide time, and its statements as text (to compare with a write).
    /// The statements of the single-region document of the first boundary release (Sids without a region) are taken as
    /// the region's own: that release was never deployed to production, so its document can only be a test region's.
    /// </summary>
    internal static BoundaryParts Split(string? document, string region)
    {
        var parts = new BoundaryParts();
        if (string.IsNullOrWhiteSpace(document))
        {
            return parts;
        }

        var suffix = RegionSuffix(region);
        var own = new List<string>();
        foreach (var statement in JsonNode.Parse(document)?["Statement"]?.AsArray() ?? [])
        {
            var sid = (string?)statement?["Sid"];
            if (statement is null || sid == AllowSid)
            {
                continue;
            }

            var text = statement.ToJsonString();
            if (sid == DenyListSid + suffix || sid == RoleWideSid + suffix || sid == DenyListSid || sid == RoleWideSid)
            {
                own.Add(text);
                parts.InstanceIds.AddRange(NamedInstance().Matches(text).Select(match => match.Groups[1].Value));
                if (RoleWideTime().Match(text) is { Success: true } before)
                {
                    parts.RoleWideBefore = DateTimeOffset.Parse(before.Groups[1].Value, CultureInfo.InvariantCulture);
                }
            }
            else
            {
                parts.Others.Add(text);
            }
        }

        parts.Own = string.Join(",", own);
        return parts;
    }

    /// <summary>
    /// The document with <paramref name="region"/>'s statements for <paramref name="revocation"/> and the other regions'
    /// statements unchanged, how many of the region's instances it names (the oldest first), and the region's statements
    /// as text. When the list does not fit in what the other regions leave, the region's deny becomes role-wide, from the
    /// list's time or else <paramref name="overflowBefore"/>.
    /// </summary>
    internal static (string Document, int Named, string Own) Render(
        RoleRevocation revocation, string region, IReadOnlyList<string> others, DateTimeOffset overflowBefore)
    {
        var ids = revocation.InstanceIds;
        var own = Own(region, ids, revocation.RoleWideBefore);
        var document = Document(others, own);
        if (Size(document) <= MaxPolicyCharacters)
        {
            return (document, ids.Count, own);
        }

        var before = revocation.RoleWideBefore ?? overflowBefore;
        var named = Math.Min(ids.Count, RegionCapacity(region, others));
        while (named > 0 && Size(Document(others, Own(region, ids.Take(named).ToList(), before))) > MaxPolicyCharacters)
        {
            named--;
        }

        own = Own(region, ids.Take(named).ToList(), before);
        document = Document(others, own);
        if (Size(document) > MaxPolicyCharacters)
        {
            throw new InvalidOperationException(
                $"The other regions' statements leave no room in the boundary of role {revocation.RoleName} for even the role-wide deny of {region}; its instances are NOT revoked.");
        }

        return (document, named, own);
    }

    /// <summary>The document with the other regions' statements only (the allow alone when none remains).</summary>
    internal static string WithoutRegion(IReadOnlyList<string> others) => Document(others, string.Empty);

    /// <summary>The most longest-id instances the region's role-wide statements (the largest shape) hold beside <paramref name="others"/>.</summary>
    internal static int RegionCapacity(string region, IReadOnlyList<string> others)
    {
        var roleWide = DateTimeOffset.UnixEpoch;
        var one = Size(Document(others, Own(region, [LongestInstanceId], roleWide)));
        var perInstance = Size(Document(others, Own(region, [LongestInstanceId, LongestInstanceId], roleWide))) - one;
        return one > MaxPolicyCharacters ? 0 : 1 + ((MaxPolicyCharacters - one) / perInstance);
    }

    /// <summary>IAM compares whole seconds: round up, so that a session issued in this very second is revoked too.</summary>
    internal static DateTimeOffset NextWholeSecond(DateTimeOffset now) =>
        now.AddTicks(TimeSpan.TicksPerSecond - (now.UtcTicks % TimeSpan.TicksPerSecond));

    /// <summary>The characters IAM counts against its size limits: all but whitespace.</summary>
    internal static int Size(string document) => document.Count(c => !char.IsWhiteSpace(c));

    private static string Document(IReadOnlyList<string> others, string own) =>
        "{\"Version\":\"2012-10-17\",\"Statement\":["
        + string.Join(",", new[] { Statement(AllowSid, "Allow", condition: null) }.Concat(others).Append(own).Where(text => text.Length > 0))
        + "]}";

    /// <summary>The region's statements, compact and comma-separated: the list's deny, and the region's role-wide deny.</summary>
    private static string Own(string region, List<string> instanceIds, DateTimeOffset? roleWideBefore)
    {
        var suffix = RegionSuffix(region);
        var statements = new List<string>();
        if (instanceIds.Count > 0)
        {
            statements.Add(Statement(DenyListSid + suffix, "Deny", condition =>
            {
                condition.WriteStartObject("StringLike");
                condition.WriteStartArray("ec2:SourceInstanceARN");
                foreach (var id in instanceIds)
                {
                    condition.WriteStringValue("*/" + id);
                }

                condition.WriteEndArray();
                condition.WriteEndObject();
            }));
        }

        if (roleWideBefore is { } before)
        {
            statements.Add(Statement(RoleWideSid + suffix, "Deny", condition =>
            {
                // Any session an EC2 instance of this region obtained for this role (the key is present and names the region).
                condition.WriteStartObject("StringLike");
                condition.WriteString("ec2:SourceInstanceARN", $"arn:*:ec2:{region}:*");
                condition.WriteEndObject();
                condition.WriteStartObject("DateLessThan");
                condition.WriteString("aws:TokenIssueTime", before.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                condition.WriteEndObject();
            }));
        }

        return string.Join(",", statements);
    }

    private static string Statement(string sid, string effect, Action<Utf8JsonWriter>? condition)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("Sid", sid);
            json.WriteString("Effect", effect);
            json.WriteString("Action", "*");
            json.WriteString("Resource", "*");
            if (condition is not null)
            {
                json.WriteStartObject("Condition");
                condition(json);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [GeneratedRegex(@"""\*/(i-[0-9a-f]+)""")]
    private static partial Regex NamedInstance();

    [GeneratedRegex(@"""aws:TokenIssueTime""\s*:\s*""([^""]+)""")]
    private static partial Regex RoleWideTime();
}

/// <summary>A boundary document split by region (<see cref="RevocationBoundary.Split"/>).</summary>
internal sealed class BoundaryParts
{
    /// <summary>The other regions' statements, compact, in the document's order.</summary>
    public List<string> Others { get; } = [];

    /// <summary>The instance ids the region's statement names.</summary>
    public List<string> InstanceIds { get; } = [];

    /// <summary>The region's role-wide time, if it has one.</summary>
    public DateTimeOffset? RoleWideBefore { get; set; }

    /// <summary>The region's statements as text, compact and comma-separated (empty: none).</summary>
    public string Own { get; set; } = string.Empty;
}
