using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;

namespace Ec2Isolation.Cli.Tests;

/// <summary>
/// <c>approve</c> and <c>deny</c> in-process: the approval service over an approval store with DynamoDB's conditions, a
/// Slack channel that accepts everything, and the harness's strict isolation service, which the approval isolates through.
/// </summary>
public sealed class ApprovalCommandTests
{
    private const string Account = "123456789012";
    private const string Region = "eu-west-1";
    private const string Analyst = "arn:aws:iam::123456789012:user/analyst";

    private readonly CliHarness _cli = new();
    private readonly FakeApprovalStore _store = new();
    private readonly Mock<IApprovalChannel> _channel = new();

    public ApprovalCommandTests()
    {
        var router = new Mock<IAccountRouter>(MockBehavior.Strict);
        router.Setup(r => r.ForAsync(Account, Region, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new AccountServices(_cli.Service.Object, Mock.Of<IEc2Api>(), _cli.Replacement.Object, _cli.Scanner.Object, Mock.Of<ILoadBalancingApi>(), Mock.Of<IClassicLoadBalancingApi>()));
        var settings = new IsolationSettings { TableName = "isolations", IsolationInstanceProfile = "ec2-isolation-deny-all", SlackWebhookParameter = "/ec2-isolation/slack-webhook" };
        var approvals = new ApprovalService(router.Object, _store, _channel.Object, settings, TimeProvider.System, NullLogger<ApprovalService>.Instance);
        _cli.Approvals = new ApprovalCommands(approvals, Account, Region, _ => Task.FromResult(Analyst));
    }

    private Task AskAsync(DateTimeOffset? expiresAt = null) =>
        _store.PutAsync(
            SampleApprovals.Pending(Account, Region, TestData.InstanceId, expiresAt ?? TimeProvider.System.GetUtcNow().AddMinutes(30)), expectedVersion: null, CancellationToken.None);

    private void IsolatesAsTheAnalyst() =>
        _cli.Service
            .Setup(s => s.IsolateAsync(
                It.Is<IsolationRequest>(r => r.InstanceId == TestData.InstanceId && r.RequestedBy == Analyst && r.Approval!.RequestId == SampleApprovals.RequestId
                    && r.Approval.Status == ApprovalStatus.Approved && r.FindingId == SampleApprovals.FindingId),
                It.IsAny<CancellationToken>()))
            .ReturnsAsync(TestData.Isolated());

    private ApprovalRequest Stored => _store.Stored(TestData.InstanceId)!;

    [Fact]
    public async Task Approve_PendingRequest_IsolatedAtOnceWithTheAnalystAsRequester()
    {
        await AskAsync();
        IsolatesAsTheAnalyst();

        var run = await _cli.RunAsync($"approve {TestData.InstanceId}");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.StartsWith($"Approved by {Analyst}: {TestData.InstanceId} is isolated.", run.Output, StringComparison.Ordinal);
        _cli.Service.Verify(s => s.IsolateAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal((ApprovalStatus.Approved, Analyst), (Stored.Status, Stored.DecidedBy));
        Assert.NotNull(Stored.Outcome);
    }

    [Fact]
    public async Task Deny_PendingRequest_NothingChangedAndTheDenialKept()
    {
        await AskAsync();

        var run = await _cli.RunAsync($"deny {TestData.InstanceId}");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.StartsWith($"Denied by {Analyst}: nothing was changed.", run.Output, StringComparison.Ordinal);
        _cli.Service.VerifyNoOtherCalls();
        Assert.Equal((ApprovalStatus.Denied, Analyst), (Stored.Status, Stored.DecidedBy));
    }

    [Fact]
    public async Task Approve_DecidedBefore_ExitCode7AndNothingChanged()
    {
        await AskAsync();
        await _cli.RunAsync($"deny {TestData.InstanceId}");
        var denied = Stored.Version;

        var run = await _cli.RunAsync($"approve {TestData.InstanceId}");

        Assert.Equal(ExitCodes.ApprovalNotPending, run.ExitCode);
        Assert.Contains($"is not pending: Denied by {Analyst}; nothing changed.", run.Error, StringComparison.Ordinal);
        _cli.Service.VerifyNoOtherCalls();
        Assert.Equal((ApprovalStatus.Denied, denied), (Stored.Status, Stored.Version));
    }

    [Fact]
    public async Task Approve_RequestExpired_ExitCode7AndNothingChanged()
    {
        await AskAsync(expiresAt: TimeProvider.System.GetUtcNow().AddMinutes(-1));

        var run = await _cli.RunAsync($"approve {TestData.InstanceId}");

        Assert.Equal(ExitCodes.ApprovalNotPending, run.ExitCode);
        Assert.Contains("expired", run.Error, StringComparison.Ordinal);
        _cli.Service.VerifyNoOtherCalls();
        Assert.Equal((ApprovalStatus.Pending, 1), (Stored.Status, Stored.Version));
    }

    [Fact]
    public async Task Approve_NoRequestForTheInstance_ExitCode2AndNothingChanged()
    {
        var run = await _cli.RunAsync($"approve {TestData.InstanceId}");

        Assert.Equal(ExitCodes.InvalidRequest, run.ExitCode);
        Assert.Contains($"{TestData.InstanceId} has no approval request in {Account} {Region}; nothing changed.", run.Error, StringComparison.Ordinal);
        _cli.Service.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Deny_NotAnInstanceId_ExitCode2AndNothingChanged()
    {
        await AskAsync();

        var run = await _cli.RunAsync("deny web-1");

        Assert.Equal(ExitCodes.InvalidRequest, run.ExitCode);
        Assert.Equal(ApprovalStatus.Pending, Stored.Status);
    }

    [Fact]
    public async Task Approve_ApprovalsNotConfigured_ExitCode2NamingTheSetting()
    {
        _cli.Approvals = null;

        var run = await _cli.RunAsync($"approve {TestData.InstanceId}");

        Assert.Equal(ExitCodes.InvalidRequest, run.ExitCode);
        Assert.Contains("EC2ISOLATION_SLACK_WEBHOOK_PARAMETER", run.Error, StringComparison.Ordinal);
    }
}
