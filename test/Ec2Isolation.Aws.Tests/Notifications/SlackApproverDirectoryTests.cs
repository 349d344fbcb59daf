using Amazon.SimpleSystemsManagement.Model;
using Ec2Isolation.Aws.Notifications;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.TestSupport;
using Moq;
using static Ec2Isolation.Aws.Tests.Notifications.NoticeSamples;

namespace Ec2Isolation.Aws.Tests.Notifications;

/// <summary>usergroups.users.list on the local Slack stand-in the notifier tests use (https://api.slack.com/methods/usergroups.users.list).</summary>
public sealed class SlackApproverDirectoryTests : IAsyncDisposable
{
    private const string Token = "xoxb-0000000000-1111111111-SecretBotTokenPart";
    private const string TokenParameter = "/ec2-isolation/slack-bot-token";
    private const string Members = """{"ok":true,"users":["U060R4BJ4","W123A4BC5"]}""";
    private static readonly CancellationToken None = CancellationToken.None;

    private HttpStandIn? _slack;

    public async ValueTask DisposeAsync()
    {
        if (_slack is not null)
        {
            await _slack.DisposeAsync();
        }
    }

    private SlackApproverDirectory CreateSut(params StandInAnswer[] answers)
    {
        _slack = HttpStandIn.Start(HttpStandIn.InTurn(answers));
        return new(Secret(TokenParameter, Token).Secret, new NotificationHttp(new HttpClient(), TimeProvider.System), new Uri(_slack.BaseUrl, "api/"));
    }

    [Fact]
    public async Task MembersAsync_Group_BearerTokenAndFormEncodedGroupAndTheMembersRead()
    {
        var members = await CreateSut(new StandInAnswer(200, Members)).MembersAsync("S0604QSJC", None);

        Assert.Equal(["U060R4BJ4", "W123A4BC5"], members.Order(StringComparer.Ordinal));
        var request = Assert.Single(_slack!.Requests);
        Assert.Equal(("POST", "/api/usergroups.users.list"), (request.Method, request.Path));
        Assert.Equal("Bearer " + Token, request.Header("Authorization"));
        Assert.StartsWith("application/x-www-form-urlencoded", request.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal("usergroup=S0604QSJC", request.Body);
    }

    [Theory]
    [InlineData("no_such_subteam", "Slack has no user group S0604QSJC (no_such_subteam)")]
    [InlineData("invalid_auth", "Slack refused the bot token in SSM parameter /ec2-isolation/slack-bot-token (invalid_auth)")]
    [InlineData("missing_scope", "lacks the usergroups:read scope (missing_scope)")]
    [InlineData("fatal_error", "Slack answered fatal_error")]
    public async Task MembersAsync_SlackAnswersOkFalse_RefusedSayingWhy(string error, string expected)
    {
        var e = await Assert.ThrowsAsync<ApproverDirectoryException>(() =>
            CreateSut(new StandInAnswer(200, $$"""{"ok":false,"error":"{{error}}"}""")).MembersAsync("S0604QSJC", None));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MembersAsync_TokenRefusedThenRotated_NextLookupReadsTheParameterAgain()
    {
        _slack = HttpStandIn.Start(HttpStandIn.InTurn(new StandInAnswer(200, """{"ok":false,"error":"token_revoked"}"""), new StandInAnswer(200, Members)));
        var (secret, ssm) = Secret(TokenParameter, Token);
        var sut = new SlackApproverDirectory(secret, new NotificationHttp(new HttpClient(), TimeProvider.System), new Uri(_slack.BaseUrl, "api/"));
        await Assert.ThrowsAsync<ApproverDirectoryException>(() => sut.MembersAsync("S0604QSJC", None));

        await sut.MembersAsync("S0604QSJC", None);
        await sut.MembersAsync("S0604QSJC", None);

        ssm.Verify(s => s.GetParameterAsync(It.IsAny<GetParameterRequest>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task MembersAsync_RateLimitedOnceWithRetryAfter_RetriedAndRead()
    {
        var members = await CreateSut(new StandInAnswer(429, """{"ok":false,"error":"ratelimited"}""", ("Retry-After", "0")), new StandInAnswer(200, Members))
            .MembersAsync("S0604QSJC", None);

        Assert.Contains("U060R4BJ4", members);
        Assert.Equal(2, _slack!.Requests.Count);
    }

    [Fact]
    public async Task MembersAsync_RateLimitedEveryTime_RefusedAfterTheLastAttemptWithoutTheToken()
    {
        var e = await Assert.ThrowsAsync<ApproverDirectoryException>(() =>
            CreateSut(new StandInAnswer(429, """{"ok":false,"error":"ratelimited"}""", ("Retry-After", "0"))).MembersAsync("S0604QSJC", None));

        Assert.Contains("429", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SecretBotTokenPart", e.Message, StringComparison.Ordinal);
        Assert.Equal(NotificationHttp.MaxAttempts, _slack!.Requests.Count);
    }

    [Fact]
    public async Task MembersAsync_AnswerNotJson_Refused()
    {
        var e = await Assert.ThrowsAsync<ApproverDirectoryException>(() => CreateSut(new StandInAnswer(200, "<html>maintenance</html>")).MembersAsync("S0604QSJC", None));

        Assert.Contains("not its JSON", e.Message, StringComparison.Ordinal);
    }
}
