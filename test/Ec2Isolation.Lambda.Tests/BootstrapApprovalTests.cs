using System.Text.Json.Nodes;
using Amazon.EC2.Model;
using Amazon.SimpleSystemsManagement;
using Ec2Isolation.Aws.DynamoDb;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Lambda.Tests;

/// <summary>
/// The real Native AOT bootstrap with a GuardDuty tier that asks: the approval request posted to a local Slack stand-in,
/// Slack's signed clicks through the function URL (payload format 2.0) answered at once and handed off to Lambda's
/// asynchronous Invoke (a local stand-in: moto runs functions in Docker only), whose event the test then delivers to the
/// function as Lambda would; isolations in moto, and the time-out and unacted decisions in the sweep.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
[Trait("Category", "Aot")]
public sealed class BootstrapApprovalTests(MotoServer moto) : BootstrapFunctionTests(moto)
{
    private const string WebhookPath = "/services/T0AAAAAAA/B0BBBBBBB/xoxSecretPartOfTheWebhook";
    private const string FunctionName = "ec2-isolation-test-function";

    private readonly HttpStandIn _slack = HttpStandIn.Start(_ => new StandInAnswer(200, "ok"));
    private readonly HttpStandIn _lambda = HttpStandIn.Start(_ => new StandInAnswer(202));

    protected override async Task ConfigureAsync(Dictionary<string, string?> environment)
    {
        using var ssm = Account.Clients.CreateSsm();
        await ssm.PutParameterAsync(new() { Name = "/ec2-isolation/slack-webhook", Value = new Uri(_slack.BaseUrl, WebhookPath).ToString(), Type = ParameterType.SecureString, Overwrite = true });
        await ssm.PutParameterAsync(new() { Name = "/ec2-isolation/slack-signing-secret", Value = SlackInteractions.SigningSecret, Type = ParameterType.SecureString, Overwrite = true });
        environment["EC2ISOLATION_SLACK_WEBHOOK_PARAMETER"] = "/ec2-isolation/slack-webhook";
        environment["EC2ISOLATION_SLACK_SIGNING_SECRET_PARAMETER"] = "/ec2-isolation/slack-signing-secret";
        environment["EC2ISOLATION_APPROVERS"] = SlackInteractions.Approver;
        environment["EC2ISOLATION_TIERS"] = "guardduty:4-7=ask/30/contain";
        environment["AWS_LAMBDA_FUNCTION_NAME"] = FunctionName;
        environment["AWS_ENDPOINT_URL_LAMBDA"] = _lambda.BaseUrl.AbsoluteUri;
    }

    protected override async ValueTask DisposeStandInsAsync()
    {
        await _slack.DisposeAsync();
        await _lambda.DisposeAsync();
    }

    [Fact]
    public async Task FunctionUrl_ApprovedInSlack_AnsweredAtOnceThenIsolatedByTheHandOffWithTheApprover()
    {
        var instance = await RunInstanceAsync();
        var asked = await InvokeAsync(Finding(instance, 5));
        Assert.Equal("approval-requested", asked.GetProperty("action").GetString());

        var answer = await ClickAsync(SlackInteractionEndpoint.ApproveAction, ButtonValue());

        Assert.Equal(200, answer.StatusCode);
        Assert.Contains("is being isolated", answer.Body, StringComparison.Ordinal);
        Assert.False(await IsQuarantinedAsync(instance));
        var invoke = Assert.Single(_lambda.Requests);
        Assert.Equal(("POST", $"/2015-03-31/functions/{FunctionName}/invocations"), (invoke.Method, invoke.Path));
        Assert.Equal("Event", invoke.Header("X-Amz-Invocation-Type"));
        Assert.Matches(@"^AWS4-HMAC-SHA256 Credential=testing/\d{8}/us-east-1/lambda/aws4_request, ", invoke.Header("Authorization"));

        var result = await InvokeAsync(invoke.Body);

        Assert.Equal(("approval-decision", "isolated"), (result.GetProperty("eventKind").GetString(), result.GetProperty("action").GetString()));
        Assert.Equal("Approved", result.GetProperty("approval").GetProperty("status").GetString());
        Assert.True(await IsQuarantinedAsync(instance));
        var record = (await Account.CreateService().GetStatusAsync(instance, CancellationToken.None))!;
        Assert.Equal((IsolationStatus.Isolated, $"slack:{SlackInteractions.Approver} (responder)"), (record.Status, record.RequestedBy));
        Assert.Equal(ApprovalStatus.Approved, Assert.Single(record.Approvals).Status);
        var update = _slack.Requests[^1];
        Assert.Equal("/actions/T0TEAM/1", update.Path);
        Assert.True(JsonNode.Parse(update.Body)!["replace_original"]!.GetValue<bool>());
        Assert.Contains("isolated", update.Body, StringComparison.Ordinal);
        Assert.Equal("ignored", (await InvokeAsync(invoke.Body)).GetProperty("action").GetString());
    }

    [Fact]
    public async Task FunctionUrl_DeniedThenForgedThenReplayed_NothingChangedAnd401Or403()
    {
        var instance = await RunInstanceAsync();
        await InvokeAsync(Finding(instance, 5));
        var value = ButtonValue();
        var approve = Click(SlackInteractionEndpoint.ApproveAction, value);

        var forged = await ClickAsync(SlackInteractionEndpoint.ApproveAction, value, "not-the-signing-secret-of-the-app");
        var denied = await ClickAsync(SlackInteractionEndpoint.DenyAction, value);
        var replayed = await SendAsync(approve);
        var result = await InvokeAsync(Assert.Single(_lambda.Requests).Body);

        Assert.Equal((401, 200, 403), (forged.StatusCode, denied.StatusCode, replayed.StatusCode));
        Assert.Equal(("approval-decision", "denied"), (result.GetProperty("eventKind").GetString(), result.GetProperty("action").GetString()));
        Assert.False(await IsQuarantinedAsync(instance));
        Assert.Null(await Account.CreateService().GetStatusAsync(instance, CancellationToken.None));
        Assert.Equal(ApprovalStatus.Denied, (await Store.GetAsync(MotoServer.AccountId, MotoServer.Region, instance, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task Sweep_ApprovalNobodyActedOn_IsolatedWithTheApprover()
    {
        var instance = await RunInstanceAsync();
        var now = TimeProvider.System.GetUtcNow();
        var request = Request(instance, now.AddMinutes(29));
        request.Status = ApprovalStatus.Approved;
        request.DecidedBy = $"slack:{SlackInteractions.Approver} (responder)";
        request.DecidedAt = now.AddMinutes(-2);
        await Store.PutAsync(request, expectedVersion: null, CancellationToken.None);

        var sweep = await InvokeAsync(SampleEvents.Load(SampleEvents.ScheduledSweep));

        Assert.Contains(sweep.GetProperty("instances").EnumerateArray(), i => i.GetProperty("instanceId").GetString() == instance && i.GetProperty("outcome").GetString() == "isolated");
        Assert.True(await IsQuarantinedAsync(instance));
        Assert.Equal(request.DecidedBy, (await Account.CreateService().GetStatusAsync(instance, CancellationToken.None))!.RequestedBy);
        Assert.NotNull((await Store.GetAsync(MotoServer.AccountId, MotoServer.Region, instance, CancellationToken.None))!.Outcome);
    }

    [Fact]
    public async Task Sweep_RequestPastItsTimeOut_ContainedAsItsTierSays()
    {
        var instance = await RunInstanceAsync();
        var now = TimeProvider.System.GetUtcNow();
        await Store.PutAsync(Request(instance, now.AddMinutes(-1)), expectedVersion: null, CancellationToken.None);

        await InvokeAsync(SampleEvents.Load(SampleEvents.ScheduledSweep));

        Assert.True(await IsQuarantinedAsync(instance));
        Assert.Equal(ApprovalStatus.Expired, (await Store.GetAsync(MotoServer.AccountId, MotoServer.Region, instance, CancellationToken.None))!.Status);
        Assert.Contains("expired", _slack.Requests[^1].Body, StringComparison.Ordinal);
    }

    private static ApprovalRequest Request(string instance, DateTimeOffset expiresAt) =>
        SampleApprovals.Pending(MotoServer.AccountId, MotoServer.Region, instance, expiresAt);

    private DynamoApprovalStore Store => new(Account.Clients.CreateDynamoDb(), MotoAccount.TableName);

    private static string Finding(string instance, double severity)
    {
        var node = JsonNode.Parse(SampleEvents.Load(SampleEvents.GuardDutyFinding, instance))!;
        node["detail"]!["severity"] = severity;
        return node.ToJsonString();
    }

    /// <summary>The Approve button's value in the request Slack was sent.</summary>
    private string ButtonValue()
    {
        var message = JsonNode.Parse(_slack.Requests.Single(r => r.Path == WebhookPath).Body)!;
        var actions = message["blocks"]!.AsArray().Single(b => (string?)b!["type"] == "actions")!;
        return (string)actions["elements"]![0]!["value"]!;
    }

    /// <summary>Slack's click as the function URL hands it on (payload format 2.0), signed now.</summary>
    private string Click(string actionId, string value, string secret = SlackInteractions.SigningSecret)
    {
        var body = SlackInteractions.Body(actionId, value, responseUrl: new Uri(_slack.BaseUrl, "/actions/T0TEAM/1").ToString());
        var headers = new JsonObject();
        foreach (var (name, text) in SlackInteractions.Headers(body, TimeProvider.System.GetUtcNow(), secret))
        {
            headers[name] = text;
        }

        return new JsonObject
        {
            ["version"] = "2.0",
            ["routeKey"] = "$default",
            ["rawPath"] = "/",
            ["rawQueryString"] = string.Empty,
            ["headers"] = headers,
            ["requestContext"] = new JsonObject { ["accountId"] = "anonymous", ["http"] = new JsonObject { ["method"] = "POST", ["path"] = "/" } },
            ["body"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(body)),
            ["isBase64Encoded"] = true,
        }.ToJsonString();
    }

    private Task<(int StatusCode, string Body)> ClickAsync(string actionId, string value, string secret = SlackInteractions.SigningSecret) =>
        SendAsync(Click(actionId, value, secret));

    private async Task<(int StatusCode, string Body)> SendAsync(string functionUrlEvent)
    {
        var response = await InvokeAsync(functionUrlEvent);
        return (response.GetProperty("statusCode").GetInt32(), response.GetProperty("body").GetString()!);
    }

    private async Task<string> RunInstanceAsync() =>
        (await Account.Network.RunInstanceAsync([await Account.Network.CreateGroupAsync("app-" + Guid.NewGuid().ToString("N")[..8])])).InstanceId;


    private async Task<bool> IsQuarantinedAsync(string instanceId)
    {
        var instance = (await Account.Ec2.DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] })).Reservations[0].Instances[0];
        var enis = await Account.Ec2.DescribeNetworkInterfacesAsync(new DescribeNetworkInterfacesRequest
        {
            NetworkInterfaceIds = [.. instance.NetworkInterfaces.Select(eni => eni.NetworkInterfaceId)],
        });
        return enis.NetworkInterfaces.All(eni => eni.Groups.Select(g => g.GroupName).SequenceEqual(["ec2-isolation-quarantine"]));
    }
}
