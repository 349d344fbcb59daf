using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Core.Tests.Approvals;

public sealed class SlackInteractionEndpointTests
{
    private const string Approve = SlackInteractionEndpoint.ApproveAction;
    private const string Deny = SlackInteractionEndpoint.DenyAction;

    private readonly ApprovalFixture _fixture = new();

    private Task AskAsync() => _fixture.AskAsync();

    [Fact]
    public async Task HandleAsync_ApprovedByAnApprover_IsolatedWithTheApproverAsRequester()
    {
        await AskAsync();

        var answer = await _fixture.ClickAsync(Approve);

        Assert.Equal(200, answer.StatusCode);
        var record = _fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId)!;
        Assert.Equal(IsolationStatus.Isolated, record.Status);
        Assert.Equal($"slack:{SlackInteractions.Approver} (responder)", record.RequestedBy);
        var decision = Assert.Single(record.Approvals);
        Assert.Equal((_fixture.Stored.RequestId, ApprovalStatus.Approved), (decision.RequestId, decision.Status));
        Assert.Equal("isolate", _fixture.Cloud.Instances[ApprovalFixture.InstanceId].Tags["ec2-isolation"]);
        Assert.Equal((ApprovalStatus.Approved, record.RequestedBy), (_fixture.Stored.Status, _fixture.Stored.DecidedBy));
        var update = Assert.Single(_fixture.Channel.Updates);
        Assert.Equal((ApprovalStatus.Approved, new Uri(ApprovalFixture.ResponseUrl)), (update.Request.Status, update.ResponseUrl));
    }

    [Fact]
    public async Task HandleAsync_Denied_NothingChangedAndTheDecisionKept()
    {
        await AskAsync();

        var answer = await _fixture.ClickAsync(Deny);

        Assert.Equal(200, answer.StatusCode);
        Assert.Contains("nothing was changed", answer.Body, StringComparison.Ordinal);
        Assert.Empty(_fixture.Cloud.Mutations);
        Assert.Null(_fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId));
        Assert.Equal(ApprovalStatus.Denied, _fixture.Stored.Status);
        Assert.Equal(ApprovalStatus.Denied, Assert.Single(_fixture.Channel.Updates).Request.Status);
    }

    [Fact]
    public async Task HandleAsync_SignedWithAnotherSecret_401AndNothingChanged()
    {
        await AskAsync();

        var answer = await _fixture.ClickAsync(Approve, secret: "not-the-signing-secret-of-the-app");

        Assert.Equal(401, answer.StatusCode);
        Assert.Empty(_fixture.Cloud.Mutations);
        Assert.Equal(ApprovalStatus.Pending, _fixture.Stored.Status);
    }

    [Fact]
    public async Task HandleAsync_UnsignedRequest_401AndNothingChanged()
    {
        await AskAsync();
        var signed = _fixture.Request(Approve);

        var answer = await _fixture.Endpoint.HandleAsync(signed with { Headers = new Dictionary<string, string>() }, CancellationToken.None);

        Assert.Equal(401, answer.StatusCode);
        Assert.Equal(ApprovalStatus.Pending, _fixture.Stored.Status);
    }

    [Fact]
    public async Task HandleAsync_SignedMoreThanFiveMinutesAgo_401AndNothingChanged()
    {
        await AskAsync();
        var signed = _fixture.Request(Approve);
        _fixture.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));

        var answer = await _fixture.Endpoint.HandleAsync(signed, CancellationToken.None);

        Assert.Equal(401, answer.StatusCode);
        Assert.Contains("more than 5 minutes old", answer.Body, StringComparison.Ordinal);
        Assert.Empty(_fixture.Cloud.Mutations);
        Assert.Equal(ApprovalStatus.Pending, _fixture.Stored.Status);
    }

    [Fact]
    public async Task HandleAsync_DenialReplayedAfterTheApproval_403AndTheApprovalStands()
    {
        await AskAsync();
        var deny = _fixture.Request(Deny);
        await _fixture.ClickAsync(Approve);
        var mutations = _fixture.Cloud.Mutations.Count;

        var answer = await _fixture.Endpoint.HandleAsync(deny, CancellationToken.None);

        Assert.Equal(403, answer.StatusCode);
        Assert.Contains("was decided before: Approved", answer.Body, StringComparison.Ordinal);
        Assert.Equal(mutations, _fixture.Cloud.Mutations.Count);
        Assert.Equal(ApprovalStatus.Approved, _fixture.Stored.Status);
    }

    [Fact]
    public async Task HandleAsync_SameApprovalTwice_SecondIs403AndIsolatesNothingMore()
    {
        await AskAsync();
        var approve = _fixture.Request(Approve);
        await _fixture.Endpoint.HandleAsync(approve, CancellationToken.None);
        _fixture.Cloud.Calls.Clear();

        var answer = await _fixture.Endpoint.HandleAsync(approve, CancellationToken.None);

        Assert.Equal(403, answer.StatusCode);
        Assert.Empty(_fixture.Cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_UserNotAnApprover_403AndNothingChanged()
    {
        await AskAsync();

        var answer = await _fixture.ClickAsync(Approve, userId: "U0MALLORY1");

        Assert.Equal(403, answer.StatusCode);
        Assert.Contains("U0MALLORY1 may not approve", answer.Body, StringComparison.Ordinal);
        Assert.Empty(_fixture.Cloud.Mutations);
        Assert.Equal(ApprovalStatus.Pending, _fixture.Stored.Status);
    }

    [Fact]
    public async Task HandleAsync_ButtonOfAnOlderRequest_403AndNothingChanged()
    {
        await AskAsync();
        var stale = _fixture.Stored.ButtonValue[..^4] + "0000";

        var answer = await _fixture.ClickAsync(Approve, stale);

        Assert.Equal(403, answer.StatusCode);
        Assert.Contains("No such approval request", answer.Body, StringComparison.Ordinal);
        Assert.Empty(_fixture.Cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_ApprovalAfterTheRequestExpired_403AndNothingChanged()
    {
        await AskAsync();
        _fixture.Time.Advance(TimeSpan.FromMinutes(31));

        var answer = await _fixture.ClickAsync(Approve);

        Assert.Equal(403, answer.StatusCode);
        Assert.Contains("expired", answer.Body, StringComparison.Ordinal);
        Assert.Empty(_fixture.Cloud.Mutations);
        Assert.Equal(ApprovalStatus.Pending, _fixture.Stored.Status);
    }

    [Theory]
    [InlineData("GET", "payload=%7B%7D", 405)]
    [InlineData("POST", "payload=not-json", 400)]
    [InlineData("POST", "token=abc", 400)]
    public async Task HandleAsync_NotAButtonClick_RefusedAndNothingChanged(string method, string body, int status)
    {
        await AskAsync();

        var answer = await _fixture.Endpoint.HandleAsync(
            new HttpRequestData(method, SlackInteractions.Headers(body, _fixture.Time.GetUtcNow()), body), CancellationToken.None);

        Assert.Equal(status, answer.StatusCode);
        Assert.Equal(ApprovalStatus.Pending, _fixture.Stored.Status);
    }

    [Fact]
    public async Task HandleAsync_ResponseUrlOutsideSlack_DecidedButNotFollowed()
    {
        await AskAsync();
        var body = SlackInteractions.Body(Deny, _fixture.Stored.ButtonValue, responseUrl: "https://attacker.example/collect");

        var answer = await _fixture.Endpoint.HandleAsync(
            new HttpRequestData("POST", SlackInteractions.Headers(body, _fixture.Time.GetUtcNow()), body), CancellationToken.None);

        Assert.Equal(200, answer.StatusCode);
        Assert.Empty(_fixture.Channel.Updates);
    }
}
