using System.Collections.Concurrent;
using System.Text;
using Amazon.EC2.Model;
using Amazon.SimpleSystemsManagement;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Aws.Tests.Notifications;

/// <summary>
/// Whole runs through the composition root with Slack and Jira configured: the account and the secrets in moto,
/// Slack and Jira as local stand-ins.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class NotificationEndToEndTests(MotoServer moto) : IAsyncLifetime
{
    private const string WebhookParameter = "/ec2-isolation/slack-webhook";
    private const string TokenParameter = "/ec2-isolation/jira-token";
    private const string WebhookPath = "/services/T0AAAAAAA/B0BBBBBBB/xoxSecretPartOfTheWebhook";
    private const string User = "soc@example.com";
    private const string Token = "ATATT3xFfGF0-not-a-real-token-0123456789";
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly string Credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Token}"));

    private readonly ConcurrentQueue<string> _logs = new();
    private MotoAccount _account = null!;
    private HttpStandIn? _slack;
    private HttpStandIn? _jira;
    private IServiceProvider _services = null!;

    public async Task InitializeAsync() => _account = await MotoAccount.CreateAsync(moto);

    public async Task DisposeAsync()
    {
        _account.Dispose();
        foreach (var standIn in new[] { _slack, _jira })
        {
            if (standIn is not null)
            {
                await standIn.DisposeAsync();
            }
        }
    }

    /// <summary>Slack and Jira stand-ins answering as given; their secrets in SSM; the service as the CLI and the Lambda build it.</summary>
    private async Task<(IIsolationService Service, IsolationSettings Settings)> CreateServiceAsync(
        Func<HttpExchange, StandInAnswer> slack, Func<HttpExchange, StandInAnswer> jira)
    {
        _slack = HttpStandIn.Start(slack);
        _jira = HttpStandIn.Start(jira);
        using var ssm = _account.Clients.CreateSsm();
        await ssm.PutParameterAsync(new() { Name = WebhookParameter, Value = new Uri(_slack.BaseUrl, WebhookPath).ToString(), Type = ParameterType.SecureString });
        await ssm.PutParameterAsync(new() { Name = TokenParameter, Value = Token, Type = ParameterType.SecureString });
        var settings = _account.Settings with
        {
            SlackWebhookParameter = WebhookParameter,
            Jira = new JiraSettings(_jira.BaseUrl, "SEC", "Task", User, TokenParameter),
        };
        var provider = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(new CapturedLogs(_logs)))
            .AddSingleton(_account.Clients)
            .AddEc2Isolation(settings, _account.Clients.Connection)
            .BuildServiceProvider();
        _services = provider;
        return (provider.GetRequiredService<IIsolationService>(), settings);
    }

    private static StandInAnswer Jira(HttpExchange request) => request.Path == "/rest/api/3/issue"
        ? new StandInAnswer(201, """{"id":"10001","key":"SEC-1","self":"http://127.0.0.1/rest/api/3/issue/10001"}""")
        : new StandInAnswer(201, """{"id":"20001"}""");

    private async Task<TestInstance> RunInstanceAsync() =>
        await _account.Network.RunInstanceAsync([await _account.Network.CreateGroupAsync("app")]);

    [Fact]
    public async Task IsolateThenRelease_SlackAndJira_TicketRecordedTaggedAndEveryNoticeDelivered()
    {
        var (service, _) = await CreateServiceAsync(_ => new StandInAnswer(200, "ok"), Jira);
        var instance = await RunInstanceAsync();
        await moto.StartRecordingAsync();

        var isolated = await service.IsolateAsync(new IsolationRequest(instance.InstanceId, "GuardDuty finding", "INC-7", "tester"), None);

        Assert.Equal(IsolationOutcome.Isolated, isolated.Outcome);
        var called = RequestLog.Parse(await moto.StopRecordingAsync()).Select(r => r.IamAction).Where(a => a != "sts:GetCallerIdentity").ToHashSet();
        Assert.Subset(RequiredActions.Isolate.Concat(RequiredActions.Notifications).ToHashSet(), called);
        Assert.Contains("ssm:GetParameter", called);
        var record = (await service.GetStatusAsync(instance.InstanceId, None))!;
        Assert.Equal("SEC-1", record.TicketKey);
        Assert.Equal("SEC-1", (await TagsAsync(instance.InstanceId))["ec2-isolation:ticket"]);
        Assert.All(record.Notifications, n => Assert.True(n.Succeeded, n.Error));
        Assert.Equal(
            [("slack", NoticeKind.Started), ("slack", NoticeKind.Completed)],
            record.Notifications.Where(n => n.Notifier == "slack").Select(n => (n.Notifier, n.Kind)));
        Assert.Equal(
            [("jira", NoticeKind.Started, "SEC-1"), ("jira", NoticeKind.Completed, "SEC-1")],
            record.Notifications.Where(n => n.Notifier == "jira").Select(n => (n.Notifier, n.Kind, n.ExternalId)));
        Assert.Single(record.Notifications, n => n.Notifier == "instance-tag");
        Assert.Equal(["/rest/api/3/issue", "/rest/api/3/issue/SEC-1/comment"], _jira!.Requests.Select(r => r.Path));
        Assert.All(_jira.Requests, r => Assert.Equal("Basic " + Credentials, r.Header("Authorization")));
        Assert.Equal([WebhookPath, WebhookPath], _slack!.Requests.Select(r => r.Path));
        Assert.Contains($"ec2-isolation release {instance.InstanceId} --account {MotoServer.AccountId} --region us-east-1", _slack.Requests[0].Body, StringComparison.Ordinal);

        await service.ReleaseAsync(new ReleaseRequest(instance.InstanceId, "tester"), None);

        record = (await service.GetStatusAsync(instance.InstanceId, None))!;
        Assert.Equal(
            [("slack", NoticeKind.Released, true), ("jira", NoticeKind.Released, true)],
            record.Notifications.Where(n => n.Kind == NoticeKind.Released).Select(n => (n.Notifier, n.Kind, n.Succeeded)));
        Assert.Equal("/rest/api/3/issue/SEC-1/comment", _jira.Requests[^1].Path);
        Assert.Contains("released", _slack.Requests[^1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Isolate_NotifiersFailingAndEchoingTheirSecrets_IsolatedAndNoSecretInLogsOrRecord()
    {
        // Both services fail and echo what they were sent: the webhook's path, the Authorization header.
        var (service, settings) = await CreateServiceAsync(
            request => new StandInAnswer(500, "no such webhook: " + request.Path),
            request => new StandInAnswer(401, "bad credentials: " + request.Header("Authorization")));
        var instance = await RunInstanceAsync();

        var result = await service.IsolateAsync(new IsolationRequest(instance.InstanceId, "GuardDuty finding", "INC-7", "tester"), None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        var record = (await service.GetStatusAsync(instance.InstanceId, None))!;
        Assert.Null(record.TicketKey);
        Assert.Equal(4, record.Notifications.Count);
        Assert.All(record.Notifications, n => Assert.False(n.Succeeded));
        Assert.Contains("[redacted]", record.Notifications.First(n => n.Notifier == "slack").Error, StringComparison.Ordinal);
        Assert.Contains("jira answered 401", record.Notifications.First(n => n.Notifier == "jira").Error, StringComparison.Ordinal);
        Assert.False((await TagsAsync(instance.InstanceId)).ContainsKey("ec2-isolation:ticket"));

        var stored = await StoredItemAsync(instance.InstanceId);
        var logs = string.Join("\n", _logs);
        Assert.Contains("failed, which changes nothing to the run", logs, StringComparison.Ordinal);
        foreach (var secret in new[] { "xoxSecretPartOfTheWebhook", Token, Credentials })
        {
            Assert.DoesNotContain(secret, logs, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        }

        Assert.Equal(WebhookParameter, settings.SlackWebhookParameter);
    }

    [Fact]
    public async Task AskThenApprove_SlackAndJira_OneIssueOpenedByTheRequestAndCommentedByTheIsolationAndTheDecision()
    {
        var (service, _) = await CreateServiceAsync(_ => new StandInAnswer(200, "ok"), Jira);
        var approvals = _services.GetRequiredService<ApprovalService>();
        var instance = await RunInstanceAsync();
        var tier = new Tier(Triggers.GuardDuty, 4, 7, TierAction.Ask, Tier.DefaultTimeout, ExpiryAction.Contain);

        await approvals.AskAsync(
            new ApprovalTarget(MotoServer.AccountId, "us-east-1", instance.InstanceId, Triggers.GuardDuty, "GuardDuty finding", "f-1", "Backdoor:EC2/C&CActivity.B", 5.5, "event-1", tier),
            None);
        var asked = (await approvals.GetAsync(MotoServer.AccountId, "us-east-1", instance.InstanceId, None))!;
        Assert.Equal("SEC-1", asked.TicketKey);
        Assert.Contains($"Approval requested: isolate {instance.InstanceId}", Assert.Single(_jira!.Requests).Body, StringComparison.Ordinal);

        var answer = await approvals.DecideAsync(new ApprovalClick(asked.ButtonValue, Approve: true, "arn:aws:iam::123456789012:user/analyst", ResponseUrl: null), None);

        Assert.True(answer.Accepted, answer.Message);
        var record = (await service.GetStatusAsync(instance.InstanceId, None))!;
        Assert.Equal((IsolationStatus.Isolated, "SEC-1"), (record.Status, record.TicketKey));
        Assert.Equal("SEC-1", (await TagsAsync(instance.InstanceId))["ec2-isolation:ticket"]);
        Assert.Equal(
            ["/rest/api/3/issue", "/rest/api/3/issue/SEC-1/comment", "/rest/api/3/issue/SEC-1/comment", "/rest/api/3/issue/SEC-1/comment"],
            _jira.Requests.Select(r => r.Path));
        Assert.Contains("Approval request for " + instance.InstanceId + ": Approved", _jira.Requests[^1].Body, StringComparison.Ordinal);
    }

    private async Task<Dictionary<string, string>> TagsAsync(string instanceId)
    {
        var tags = await _account.Ec2.DescribeTagsAsync(new DescribeTagsRequest { Filters = [new("resource-id", [instanceId])] });
        return tags.Tags.ToDictionary(tag => tag.Key, tag => tag.Value);
    }

    /// <summary>The record's item as DynamoDB holds it, every attribute.</summary>
    private async Task<string> StoredItemAsync(string instanceId)
    {
        var item = await _account.ReadItemAsync(instanceId);
        return string.Join("\n", item!.Select(attribute => attribute.Key + "=" + (attribute.Value.S ?? attribute.Value.N)));
    }

    /// <summary>Every line logged, with its exception, and its scopes' values.</summary>
    private sealed class CapturedLogs(ConcurrentQueue<string> lines) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            lines.Enqueue("scope: " + state);
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {eventId.Id} {formatter(state, exception)} {exception}");

        public void Dispose()
        {
        }
    }
}
