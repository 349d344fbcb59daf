using System.Text.RegularExpressions;

namespace Ec2Isolation.Core.Isolation;

/// <summary>Checks what callers pass before any AWS call is made.</summary>
public static partial class InstanceIds
{
    /// <summary>Throws <see cref="InvalidRequestException"/> unless the text is an EC2 instance id (i- and 8 or 17 hex digits).</summary>
    public static string Validate(string? instanceId) =>
        instanceId is not null && InstanceId().IsMatch(instanceId)
            ? instanceId
            : throw new InvalidRequestException(
                $"'{Printable(instanceId)}' is not an EC2 instance id (i- followed by 8 or 17 lowercase hex digits).");

    /// <summary>Whether the text is an EC2 instance id.</summary>
    public static bool IsValid(string? instanceId) => instanceId is not null && InstanceId().IsMatch(instanceId);

    /// <summary>Throws <see cref="InvalidRequestException"/> unless the text is an AMI id (ami- and 8 or 17 hex digits).</summary>
    public static string ValidateImageId(string imageId) =>
        ImageId().IsMatch(imageId)
            ? imageId
            : throw new InvalidRequestException($"'{Printable(imageId)}' is not an AMI id (ami- followed by 8 or 17 lowercase hex digits).");

    /// <summary>Throws <see cref="InvalidRequestException"/> unless there is at least one id and each is a security group id (sg- and 8 or 17 hex digits).</summary>
    public static IReadOnlyList<string> ValidateSecurityGroupIds(IReadOnlyList<string> groupIds)
    {
        var bad = groupIds.Where(id => !SecurityGroupId().IsMatch(id)).ToList();
        return groupIds.Count > 0 && groupIds.Count <= 16 && bad.Count == 0
            ? [.. groupIds.Distinct(StringComparer.Ordinal)]
            : throw new InvalidRequestException(
                $"The groups to restore must be 1 to 16 security group ids (sg- followed by 8 or 17 lowercase hex digits); got {Printable(string.Join(",", groupIds))}. Nothing was changed.");
    }

    /// <summary>Incident ids become tag values: EC2's tag characters only, at most 128.</summary>
    public static string ValidateIncidentId(string incidentId) =>
        IncidentId().IsMatch(incidentId)
            ? incidentId
            : throw new InvalidRequestException(
                $"Incident id '{Printable(incidentId)}' may hold only letters, digits, spaces and + - = . _ : / @, at most 128 characters.");

    /// <summary>Input echoed in a message, with control characters made visible and its length bounded.</summary>
    public static string Printable(string? text)
    {
        if (text is null)
        {
            return "(none)";
        }

        var shown = text.Length > 80 ? text[..80] + "…" : text;
        return string.Concat(shown.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }

    [GeneratedRegex(@"^i-([0-9a-f]{8}|[0-9a-f]{17})\z", RegexOptions.CultureInvariant)]
    private static partial Regex InstanceId();

    [GeneratedRegex(@"^sg-([0-9a-f]{8}|[0-9a-f]{17})\z", RegexOptions.CultureInvariant)]
    private static partial Regex SecurityGroupId();

    [GeneratedRegex(@"^ami-([0-9a-f]{8}|[0-9a-f]{17})\z", RegexOptions.CultureInvariant)]
    private static partial Regex ImageId();

    [GeneratedRegex(@"^[A-Za-z0-9 +\-=._:/@]{1,128}\z", RegexOptions.CultureInvariant)]
    private static partial Regex IncidentId();
}
