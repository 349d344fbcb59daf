using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ec2Isolation.Core.Approvals;

/// <summary>What checking a request's Slack signature found.</summary>
public enum SignatureCheck
{
    Valid,
    /// <summary>No X-Slack-Signature or X-Slack-Request-Timestamp, or one that is not of Slack's form.</summary>
    Missing,
    /// <summary>The timestamp is more than <see cref="SlackSignature.MaxAge"/> away from now: a replay, or a wrong clock.</summary>
    Stale,
    /// <summary>The signature does not match the body and timestamp.</summary>
    Forged,
}

/// <summary>
/// Slack's request signing: X-Slack-Signature is <c>v0=</c> and the hex HMAC-SHA256, keyed with the app's signing
/// secret, of <c>v0:{X-Slack-Request-Timestamp}:{raw body}</c>; a request whose timestamp is more than five minutes
/// from now is refused (a replay), and signatures are compared in constant time
/// (https://api.slack.com/authentication/verifying-requests-from-slack).
/// </summary>
public static class SlackSignature
{
    public const string SignatureHeader = "x-slack-signature";
    public const string TimestampHeader = "x-slack-request-timestamp";
    public const string Version = "v0";

    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    /// <summary>The X-Slack-Signature value of <paramref name="body"/> sent at <paramref name="timestamp"/> (Unix seconds).</summary>
    public static string Sign(string signingSecret, string timestamp, string body)
    {
        ArgumentNullException.ThrowIfNull(signingSecret);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingSecret), Encoding.UTF8.GetBytes($"{Version}:{timestamp}:{body}"));
        return $"{Version}={Convert.ToHexStringLower(mac)}";
    }

    public static SignatureCheck Verify(string signingSecret, string? timestamp, string? signature, string body, DateTimeOffset now)
    {
        if (timestamp is null || signature is null
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || !signature.StartsWith(Version + "=", StringComparison.Ordinal))
        {
            return SignatureCheck.Missing;
        }

        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > MaxAge.TotalSeconds)
        {
            return SignatureCheck.Stale;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(signingSecret, timestamp, body));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature)) ? SignatureCheck.Valid : SignatureCheck.Forged;
    }
}
