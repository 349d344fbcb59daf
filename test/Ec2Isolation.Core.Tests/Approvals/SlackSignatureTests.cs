using Ec2Isolation.Core.Approvals;

namespace Ec2Isolation.Core.Tests.Approvals;

/// <summary>Against the worked example of https://api.slack.com/authentication/verifying-requests-from-slack.</summary>
public sealed class SlackSignatureTests
{
    private const string Secret = "8f742231b10e8888abcd99yyyzzz85a5";
    private const string Timestamp = "1531420618";
    private const string Signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    private const string Body =
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";

    private static readonly DateTimeOffset SentAt = DateTimeOffset.FromUnixTimeSeconds(1531420618);

    [Fact]
    public void Sign_SlacksDocumentedExample_SlacksSignature() => Assert.Equal(Signature, SlackSignature.Sign(Secret, Timestamp, Body));

    [Fact]
    public void Verify_SlacksDocumentedExampleWithinFiveMinutes_Valid() =>
        Assert.Equal(SignatureCheck.Valid, SlackSignature.Verify(Secret, Timestamp, Signature, Body, SentAt.AddMinutes(4)));

    [Fact]
    public void Verify_BodyChangedByOneCharacter_Forged() =>
        Assert.Equal(SignatureCheck.Forged, SlackSignature.Verify(Secret, Timestamp, Signature, Body.Replace("U2CERLKJA", "U2CERLKJB", StringComparison.Ordinal), SentAt));

    [Fact]
    public void Verify_OtherSecret_Forged() =>
        Assert.Equal(SignatureCheck.Forged, SlackSignature.Verify(Secret + "x", Timestamp, Signature, Body, SentAt));

    [Theory]
    [InlineData(-6)]
    [InlineData(6)]
    public void Verify_TimestampMoreThanFiveMinutesAway_Stale(int minutes) =>
        Assert.Equal(SignatureCheck.Stale, SlackSignature.Verify(Secret, Timestamp, Signature, Body, SentAt.AddMinutes(minutes)));

    [Theory]
    [InlineData(null, Signature)]
    [InlineData(Timestamp, null)]
    [InlineData("yesterday", Signature)]
    [InlineData(Timestamp, "a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")]
    public void Verify_HeaderMissingOrNotSlacks_Missing(string? timestamp, string? signature) =>
        Assert.Equal(SignatureCheck.Missing, SlackSignature.Verify(Secret, timestamp, signature, Body, SentAt));
}
