using System.Text.Json;
using Amazon.SimpleSystemsManagement;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Lambda.Tests;

/// <summary>
/// The real Native AOT bootstrap with Slack and Jira configured: secrets read from SSM in moto, notices posted to local
/// stand-ins, what became of them in the record; nothing of the secrets in the function's output.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
[Trait("Category", "Aot")]
public sealed class BootstrapNotificationTests(MotoServer moto) : IAsyncLifetime
{
    private const string WebhookPath = "/services/T0AAAAAAA/B0BBBBBBB/xoxSecretPartOfTheWebhook";
    private const string Token = "ATATT3xFfGF0-not-a-real-token-0123456789";

    private readonly LambdaRuntimeStandIn _runtime = LambdaRuntimeStandIn.Start();
    private readonly HttpStandIn _slack = HttpStandIn.Start(_ => new StandInAnswer(200, "ok"));
    private readonly HttpStandIn _jira = HttpStandIn.Start(request => request.Path == "/rest/api/3/issue"
        ? new StandInAnswer(201, """{"id":"10001","key":"SEC-1"}""")
        : new StandInAnswer(201, """{"id":"20001"}"""));
    private BootstrapProcess? _function;
    private MotoAccount _account = null!;

    public async Task InitializeAsync()
    {
        _account = await MotoAccount.CreateAsync(moto);
        using var ssm = _account.Clients.CreateSsm();
        await ssm.PutParameterAsync(new() { Name = "/ec2-isolation/slack-webhook", Value = new Uri(_slack.BaseUrl, WebhookPath).ToString(), Type = ParameterType.SecureString });
        await ssm.PutParameterAsync(new() { Name = "/ec2-isolation/jira-token", Value = Token, Type = ParameterType.SecureString });
    }

    public async Task DisposeAsync()
    {
        if (_function is not null)
        {
            await _function.DisposeAsync();
        }

        await _runtime.DisposeAsync();
        await _slack.DisposeAsync();
        await _jira.DisposeAsync();
        _account.Dispose();
    }

    [Fact]
    public async Task TagChange_SlackAndJiraConfigured_NoticesDeliveredAndTicketRecorded()
    {
        var environment = MotoEnvironment.For(moto.EndpointUrl);
        environment["EC2ISOLATION_SLACK_WEBHOOK_PARAMETER"] = "/ec2-isolation/slack-webhook";
        environment["EC2ISOLATION_JIRA_URL"] = _jira.BaseUrl.ToString();
        environment["EC2ISOLATION_JIRA_PROJECT"] = "SEC";
        environment["EC2ISOLATION_JIRA_USER"] = "soc@example.com";
        environment["EC2ISOLATION_JIRA_TOKEN_PARAMETER"] = "/ec2-isolation/jira-token";
        _function = await BootstrapProcess.StartAsync(_runtime, environment);
        var instance = (await _account.Network.RunInstanceAsync([await _account.Network.CreateGroupAsync("app")])).InstanceId;
        await _account.Network.ApplyTriggerTagAsync(instance);

        var outcome = await _runtime.WaitForOutcomeAsync(_runtime.Enqueue(SampleEvents.Load(SampleEvents.TagChange, instance)), TimeSpan.FromMinutes(1));

        Assert.False(outcome.IsError, outcome.Body);
        var result = JsonDocument.Parse(outcome.Body).RootElement;
        Assert.Equal(("1", "isolated"), (result.GetProperty("schemaVersion").GetString(), result.GetProperty("action").GetString()));
        var record = (await _account.CreateService().GetStatusAsync(instance, CancellationToken.None))!;
        Assert.Equal("SEC-1", record.TicketKey);
        // The result event carries the ticket the run opened, with the record's facts.
        var isolated = Assert.Single(result.GetProperty("instances").EnumerateArray());
        Assert.Equal(
            ("SEC-1", record.IncidentId, record.Artifacts.QuarantineGroupId, $"ec2-isolation release {instance} --account {record.AccountId} --region {record.Region}"),
            (isolated.GetProperty("ticketKey").GetString(), isolated.GetProperty("incidentId").GetString(),
                isolated.GetProperty("quarantineGroupId").GetString(), isolated.GetProperty("releaseCommand").GetString()));
        Assert.All(record.Notifications, n => Assert.True(n.Succeeded, n.Error));
        Assert.Equal(
            [("jira", NoticeKind.Started), ("jira", NoticeKind.Completed), ("slack", NoticeKind.Started), ("slack", NoticeKind.Completed)],
            record.Notifications.Where(n => n.Notifier != "instance-tag").Select(n => (n.Notifier, n.Kind)).OrderBy(n => n.Notifier, StringComparer.Ordinal));
        Assert.Equal(2, _slack.Requests.Count);
        Assert.Equal(["/rest/api/3/issue", "/rest/api/3/issue/SEC-1/comment"], _jira.Requests.Select(r => r.Path));
        var output = string.Join("\n", _function.Lines);
        Assert.DoesNotContain("xoxSecretPartOfTheWebhook", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, output, StringComparison.Ordinal);
    }
}
