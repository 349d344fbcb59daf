using System.Globalization;
using System.Text;
using System.Text.Json;
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
/// Each instance is named as <c>"*/i-0123456789abcdef0"</c> in one <c>StringLike</c> list on
/// <c>ec2:SourceInstanceARN</c> (<c>arn:PARTITION:ec2:REGION:ACCOUNT:instance/ID</c>): 24 characters per instance,
/// against about 60 for a full ARN, and every region's instances of the role fit one list. The slash anchors the id, so
/// no other instance matches. A managed policy holds 6,144 characters, whitespace not counted (IAM quotas,
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html): <see cref="Capacity"/> instances.
/// Past that, the deny becomes role-wide: the oldest instances stay named, and every instance session of the role
/// issued before the last overflowing isolation is denied too (the isolated instances' profiles are swapped by then,
/// so they get no new session of this role; healthy instances of the role fetch new credentials from their metadata
/// service, at the price of failed calls until they do).
/// </remarks>
public static partial class RevocationBoundary
{
    /// <summary>IAM's limit on a managed policy document, whitespace not counted.</summary>
    public const int MaxPolicyCharacters = 6144;

    /// <summary>The IAM path of every policy the tool owns: the function may only attach policies under it as boundaries.</summary>
    public const string PolicyPath = "/ec2-isolation/";

    /// <summary>The name of every boundary policy starts with it (the role's name follows).</summary>
    public const string PolicyPrefix = "ec2-isolation-revoke-";

    /// <summary>The longest instance id EC2 issues (17 hexadecimal digits).</summary>
    private const string LongestInstanceId = "i-0123456789abcdef0";

    /// <summary>How many instances one role's boundary names before the deny becomes role-wide.</summary>
    internal static int Capacity { get; } = ComputeCapacity();

    internal static string PolicyName(string roleName) => PolicyPrefix + roleName;

    /// <summary>The boundary's ARN: <c>arn:PARTITION:iam::ACCOUNT:policy/ec2-isolation/ec2-isolation-revoke-ROLE</c>.</summary>
    internal static string PolicyArn(string partition, string accountId, string roleName) =>
        $"arn:{partition}:iam::{accountId}:policy{PolicyPath}{PolicyName(roleName)}";

    /// <summary>The document for <paramref name="revocation"/>, and how many of its instances it names (the oldest first).</summary>
    internal static (string Document, int Named) Render(RoleRevocation revocation)
    {
        var ids = revocation.InstanceIds;
        var document = Document(ids, revocation.RoleWideBefore);
        if (Size(document) <= MaxPolicyCharacters)
        {
            return (document, ids.Count);
        }

        var named = Math.Min(ids.Count, Capacity);
        return (Document(ids.Take(named).ToList(), revocation.RoleWideBefore), named);
    }

    /// <summary>The instance ids a boundary document written by <see cref="Render"/> names, and its role-wide time.</summary>
    internal static (List<string> InstanceIds, DateTimeOffset? RoleWideBefore) Parse(string document)
    {
        var ids = NamedInstance().Matches(document).Select(match => match.Groups[1].Value).ToList();
        var before = RoleWideTime().Match(document);
        return (ids, before.Success ? DateTimeOffset.Parse(before.Groups[1].Value, CultureInfo.InvariantCulture) : null);
    }

    /// <summary>IAM compares whole seconds: round up, so that a session issued in this very second is revoked too.</summary>
    internal static DateTimeOffset NextWholeSecond(DateTimeOffset now) =>
        now.AddTicks(TimeSpan.TicksPerSecond - (now.UtcTicks % TimeSpan.TicksPerSecond));

    /// <summary>The characters IAM counts against its size limits: all but whitespace.</summary>
    internal static int Size(string document) => document.Count(c => !char.IsWhiteSpace(c));

    private static string Document(List<string> instanceIds, DateTimeOffset? roleWideBefore)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("Version", "2012-10-17");
            json.WriteStartArray("Statement");
            Statement(json, "AllowWhatTheRolePoliciesGrant", "Allow", condition: null);
            if (instanceIds.Count > 0)
            {
                Statement(json, "DenyIsolatedInstances", "Deny", condition =>
                {
                    condition.WriteStartObject("StringLike");
                    condition.WriteStartArray("ec2:SourceInstanceARN");
                    foreach (var id in instanceIds)
                    {
                        condition.WriteStringValue("*/" + id);
                    }

                    condition.WriteEndArray();
                    condition.WriteEndObject();
                });
            }

            if (roleWideBefore is { } before)
            {
                Statement(json, "DenyInstanceSessionsIssuedBeforeRoleWideRevocation", "Deny", condition =>
                {
                    // Null = false: the key is present, i.e. a session an EC2 instance obtained for this role.
                    condition.WriteStartObject("Null");
                    condition.WriteString("ec2:SourceInstanceARN", "false");
                    condition.WriteEndObject();
                    condition.WriteStartObject("DateLessThan");
                    condition.WriteString("aws:TokenIssueTime", before.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
                    condition.WriteEndObject();
                });
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Statement(Utf8JsonWriter json, string sid, string effect, Action<Utf8JsonWriter>? condition)
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

    /// <summary>The most longest-id instances a role-wide document (the largest shape) holds within the limit.</summary>
    private static int ComputeCapacity()
    {
        var roleWide = DateTimeOffset.UnixEpoch;
        var one = Size(Document([LongestInstanceId], roleWide));
        var perInstance = Size(Document([LongestInstanceId, LongestInstanceId], roleWide)) - one;
        return 1 + ((MaxPolicyCharacters - one) / perInstance);
    }

    [GeneratedRegex(@"""\*/(i-[0-9a-f]+)""")]
    private static partial Regex NamedInstance();

    [GeneratedRegex(@"""aws:TokenIssueTime""\s*:\s*""([^""]+)""")]
    private static partial Regex RoleWideTime();
}
