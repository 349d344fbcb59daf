using System.Text.Json;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Ec2Isolation.Aws.Notifications;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;
using Moq;
using static Ec2Isolation.Aws.Tests.Notifications.NoticeSamples;

namespace Ec2Isolation.Aws.Tests.Notifications;

/// <summary>The Slack notifier against a local stand-in for an incoming webhook.</summary>
public sealed class SlackNotifierTests : IAsyncDisposable
{
    private const string Parameter = "/ec2-isolation/slack-webhook";
    private const string WebhookPath = "/services/T0AAAAAAA/B0BBBBBBB/xoxSecretPartOfTheWebhook";
    private static readonly CancellationToken None = CancellationToken.None;

    private HttpStandIn? _slack;
    private Mock<IAmazonSimpleSystemsManagement>? _ssm;

    private string Webhook => new Uri(_slack!.BaseUrl, WebhookPath).ToString();

    public async ValueTask DisposeAsync()
    {
        if (_slack is not null)
        {
            await _slack.DisposeAsync();
        }
    }

    private SlackNotifier CreateSut(params StandInAnswer[] answers)
    {
        _slack = HttpStandIn.Start(HttpStandIn.InTurn(answers.Length == 0 ? [new StandInAnswer(200, "ok")] : answers));
        return CreateSut(Webhook);
    }

    private SlackNotifier CreateSut(string webhook)
    {
        var (secret, ssm) = Secret(Parameter, webhook);
        _ssm = ssm;
        return new SlackNotifier(secret, new NotificationHttp(new HttpClient(), TimeProvider.System));
    }

    [Fact]
    public async Task NotifyAsync_Started_PostsTheFactsAndTheReleaseCommandToTheWebhook()
    {
        var notifier = CreateSut();

        var receipt = await notifier.NotifyAsync(Notice(NoticeKind.Started), None);

        Assert.Null(receipt.ExternalId);
        var request = Assert.Single(_slack!.Requests);
        Assert.Equal(("POST", WebhookPath), (request.Method, request.Path));
        Assert.StartsWith("application/json", request.Header("Content-Type"), StringComparison.Ordinal);
        using var json = JsonDocument.Parse(request.Body);
        var root = json.RootElement;
        Assert.Equal("EC2 instance i-0123456789abcdef0 contained: Network contained; isolation continuing.", root.GetProperty("text").GetString());
        var blocks = root.GetProperty("blocks").EnumerateArray().Select(b => (Type: b.GetProperty("type").GetString(), Text: b.GetProperty("text").GetProperty("text").GetString()!)).ToList();
        Assert.Equal(("header", "EC2 instance i-0123456789abcdef0 contained"), blocks[0]);
        Assert.Equal(
            "*Instance:* i-0123456789abcdef0\n*Account:* 123456789012\n*Region:* eu-west-1\n*Incident:* INC-1\n*Reason:* GuardDuty finding\n"
            + "*GuardDuty findings:* 8ab7e0c1f2d3\n*Requested by:* arn:aws:iam::123456789012:user/analyst\n*Done:* network, credentials\n"
            + "*Snapshots:* snap-1, snap-2",
            blocks[2].Text);
        Assert.Equal(("section", "To release:\n```ec2-isolation release i-0123456789abcdef0 --account 123456789012 --region eu-west-1```"), blocks[^1]);
    }

    [Fact]
    public async Task NotifyAsync_Released_SaysSoWithoutAReleaseCommand()
    {
        var notifier = CreateSut();

        await notifier.NotifyAsync(Notice(NoticeKind.Released, ticketKey: "SEC-7"), None);

        var body = Assert.Single(_slack!.Requests).Body;
        Assert.Contains("EC2 instance i-0123456789abcdef0 released", body, StringComparison.Ordinal);
        Assert.Contains("*Ticket:* SEC-7", body, StringComparison.Ordinal);
        Assert.DoesNotContain("ec2-isolation release", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotifyAsync_Tampered_NamesTheCallTheCallerAndEc2sAnswerFirst()
    {
        var notifier = CreateSut();
        var notice = Notice(NoticeKind.Tampered) with
        {
            Tampering = new("TerminateInstances", "arn:aws:sts::123456789012:assumed-role/Admin/mallory", "Client.OperationNotPermitted") { CallerType = "AssumedRole" },
        };

        await notifier.NotifyAsync(notice, None);

        using var json = JsonDocument.Parse(Assert.Single(_slack!.Requests).Body);
        Assert.Equal(
            "Tampering with isolated EC2 instance i-0123456789abcdef0: re-contained: TerminateInstances by arn:aws:sts::123456789012:assumed-role/Admin/mallory "
            + "refused by EC2 (Client.OperationNotPermitted); the isolation was applied again.",
            json.RootElement.GetProperty("text").GetString());
        Assert.StartsWith(
            "*Call:* TerminateInstances\n*Caller:* arn:aws:sts::123456789012:assumed-role/Admin/mallory (AssumedRole)\n*EC2's answer:* refused (Client.OperationNotPermitted)\n*Instance:*",
            json.RootElement.GetProperty("blocks")[2].GetProperty("text").GetProperty("text").GetString(),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotifyAsync_Failed_CarriesTheErrorEscaped()
    {
        var notifier = CreateSut();

        await notifier.NotifyAsync(Notice(NoticeKind.Failed, error: "step 'protection' failed: <denied> & logged"), None);

        using var json = JsonDocument.Parse(Assert.Single(_slack!.Requests).Body);
        Assert.Equal("step 'protection' failed: &lt;denied&gt; &amp; logged", json.RootElement.GetProperty("blocks")[1].GetProperty("text").GetProperty("text").GetString());
    }

    [Fact]
    public async Task NotifyAsync_RateLimited_RetriesOnceRetryAfterHasPassed()
    {
        var notifier = CreateSut(new StandInAnswer(429, "rate_limited", ("Retry-After", "1")), new StandInAnswer(200, "ok"));

        await notifier.NotifyAsync(Notice(NoticeKind.Completed), None);

        var requests = _slack!.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromMilliseconds(900), $"retried after {requests[1].At - requests[0].At}");
    }

    [Fact]
    public async Task NotifyAsync_ServerErrorsThroughout_GivesUpAfterMaxAttemptsWithoutNamingTheWebhook()
    {
        // A server that echoes the path it was called on: the error must not carry it on.
        _slack = HttpStandIn.Start(exchange => new StandInAnswer(500, "internal error for " + exchange.Path));
        var notifier = CreateSut(Webhook);

        var error = await Assert.ThrowsAsync<NotificationException>(() => notifier.NotifyAsync(Notice(NoticeKind.Started), None));

        Assert.Equal(NotificationHttp.MaxAttempts, _slack.Requests.Count);
        Assert.StartsWith("slack answered 500", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("xoxSecretPartOfTheWebhook", error.Message, StringComparison.Ordinal);
        Assert.Null(error.InnerException);
    }

    [Fact]
    public async Task NotifyAsync_WebhookRefused_NotRetriedAndErrorSaysWhy()
    {
        var notifier = CreateSut(new StandInAnswer(404, "no_service"));

        var error = await Assert.ThrowsAsync<NotificationException>(() => notifier.NotifyAsync(Notice(NoticeKind.Started), None));

        Assert.Single(_slack!.Requests);
        Assert.Equal("slack answered 404 Not Found: no_service", error.Message);
    }

    [Fact]
    public async Task NotifyAsync_WebhookUnreachable_ErrorWithoutTheUrl()
    {
        _slack = HttpStandIn.Start(_ => new StandInAnswer(200));
        var unreachable = Webhook;
        await _slack.DisposeAsync();
        _slack = null;
        var notifier = CreateSut(unreachable);

        var error = await Assert.ThrowsAsync<NotificationException>(() => notifier.NotifyAsync(Notice(NoticeKind.Started), None));

        Assert.StartsWith("slack could not be reached", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("xoxSecretPartOfTheWebhook", error.Message, StringComparison.Ordinal);
        Assert.Null(error.InnerException);
    }

    [Theory]
    [InlineData("http://hooks.slack.com/services/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k")]
    [InlineData("xoxSecretPartOfTheWebhook")]
    public async Task NotifyAsync_ParameterHoldsNoHttpsUrl_ErrorNamesTheParameterNotTheValue(string value)
    {
        var notifier = CreateSut(value);

        var error = await Assert.ThrowsAsync<NotificationException>(() => notifier.NotifyAsync(Notice(NoticeKind.Started), None));

        Assert.Contains(Parameter, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("xoxSecretPartOfTheWebhook", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotifyAsync_SeveralNotices_ParameterReadOnceWithDecryption()
    {
        var notifier = CreateSut();

        await notifier.NotifyAsync(Notice(NoticeKind.Started), None);
        await notifier.NotifyAsync(Notice(NoticeKind.Completed), None);

        Assert.Equal(2, _slack!.Requests.Count);
        _ssm!.Verify(
            ssm => ssm.GetParameterAsync(It.Is<GetParameterRequest>(r => r.Name == Parameter && r.WithDecryption == true), It.IsAny<CancellationToken>()),
            Times.Once);
        _ssm.VerifyNoOtherCalls();
    }
}
