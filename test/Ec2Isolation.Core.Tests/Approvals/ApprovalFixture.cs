using System.Text.Json.Nodes;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Notifications;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Approvals;

/// <summary>
/// A deployment whose GuardDuty tiers ask between 4 and 7 (30 minutes, then contain), ask and drop between 3 and 4, and
/// notify below 3, over a fake cloud with one instance, a fake Slack channel and an approval store with DynamoDB's conditions.
/// </summary>
internal sealed class ApprovalFixture
{
    public const string InstanceId = "i-0123456789abcdef0";
    public const string ResponseUrl = "https://hooks.slack.com/actions/T0TEAM/1/abc";

    /// <param name="handOff">Decisions through the URL are handed on to it (the Lambda), not isolated at once (the CLI).</param>
    /// <param name="ticket">Requests, decisions and notices are ticketed there too (Jira).</param>
    /// <param name="notifier">The engine's notifier (the Jira notifier's part in an isolation).</param>
    public ApprovalFixture(bool withChannel = true, FakeApprovalHandOff? handOff = null, FakeApprovalTicket? ticket = null, IIsolationNotifier? notifier = null)
    {
        Cloud.AddInstance(InstanceId, "vpc-1").Tags["Name"] = "web-1";
        Settings = new IsolationSettings
        {
            TableName = "records",
            IsolationInstanceProfile = FakeCloud.IsolationProfileArn,
            SlackWebhookParameter = "/ec2-isolation/slack-webhook",
            Tiers = TierPolicy.Parse("guardduty:4-7=ask/30/contain; guardduty:3-4=ask/10/drop; guardduty:0-3=notify"),
            Approvals = new ApprovalSettings("/ec2-isolation/slack-signing-secret", new HashSet<string>(StringComparer.Ordinal) { SlackInteractions.Approver }),
        };
        var engine = notifier is null
            ? FakeAccounts.Service(Cloud, Settings, Time)
            : new IsolationService(
                new AwsApis(Cloud, Cloud, Cloud, Cloud, Cloud, Cloud, Cloud), Cloud, Cloud, Settings, FakeAccounts.Region, Time, NullLogger<IsolationService>.Instance, [notifier]);
        var router = FakeAccounts.Router(FakeAccounts.Services(engine, Cloud));
        Approvals = new ApprovalService(router, Store, Channel, Settings, Time, NullLogger<ApprovalService>.Instance, handOff, ticket);
        Processor = new IsolationEventProcessor(router, Settings, NullLogger<IsolationEventProcessor>.Instance, time: Time, approvals: withChannel ? Approvals : null);
        Endpoint = new SlackInteractionEndpoint(
            new FixedSecret(SlackInteractions.SigningSecret), Approvals, Settings.Approvals, Time, NullLogger<SlackInteractionEndpoint>.Instance);
    }

    public FakeCloud Cloud { get; } = new();
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    public FakeApprovalStore Store { get; } = new();
    public FakeApprovalChannel Channel { get; } = new();
    public IsolationSettings Settings { get; }
    public ApprovalService Approvals { get; }
    public IsolationEventProcessor Processor { get; }
    public SlackInteractionEndpoint Endpoint { get; }

    public ApprovalRequest Stored => Store.Stored(InstanceId)!;

    /// <summary>The sample GuardDuty finding at <paramref name="severity"/>.</summary>
    public static string Finding(double severity, string findingId = "7ac3a7bd5ed6ec35a4bbd3d9a7a2a0b1")
    {
        var node = JsonNode.Parse(SampleEvents.Load(SampleEvents.GuardDutyFinding, InstanceId, findingId))!;
        node["detail"]!["severity"] = severity;
        return node.ToJsonString();
    }

    public Task<EventResult> HandleAsync(string json) => Processor.HandleAsync(json, CancellationToken.None);

    /// <summary>A finding the tier asks about (severity 5.5) handled, and the cloud's calls so far forgotten.</summary>
    public async Task AskAsync()
    {
        await HandleAsync(Finding(5.5));
        Cloud.Calls.Clear();
    }

    /// <summary>A click as Slack posts it now, signed with <paramref name="secret"/>.</summary>
    public Task<HttpAnswer> ClickAsync(string actionId, string? buttonValue = null, string userId = SlackInteractions.Approver, string secret = SlackInteractions.SigningSecret) =>
        Endpoint.HandleAsync(Request(actionId, buttonValue, userId, secret), CancellationToken.None);

    public HttpRequestData Request(string actionId, string? buttonValue = null, string userId = SlackInteractions.Approver, string secret = SlackInteractions.SigningSecret)
    {
        var body = SlackInteractions.Body(actionId, buttonValue ?? Stored.ButtonValue, userId, ResponseUrl);
        return new HttpRequestData("POST", SlackInteractions.Headers(body, Time.GetUtcNow(), secret), body);
    }
}
