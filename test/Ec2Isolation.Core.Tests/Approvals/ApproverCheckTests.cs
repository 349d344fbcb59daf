using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Approvals;

/// <summary>Approvers by Slack user group: members decide, everyone else is refused, and an unreadable group refuses (fail closed).</summary>
public sealed class ApproverCheckTests
{
    private const string Responders = "S0RESPOND1";
    private const string Member = "U0MEMBER01";
    private const string Outsider = "U0OUTSIDE1";
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly ApprovalFixture _fixture = new();
    private readonly FakeApproverDirectory _directory = new() { Groups = { [Responders] = [Member] } };
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));

    private static ApprovalSettings Settings(params string[] groups) =>
        new("/ec2-isolation/slack-signing-secret", new HashSet<string>(StringComparer.Ordinal) { SlackInteractions.Approver })
        {
            ApproverGroups = groups.ToHashSet(StringComparer.Ordinal),
            BotTokenParameter = "/ec2-isolation/slack-bot-token",
        };

    private ApproverCheck CreateSut(IApproverDirectory? directory, params string[] groups) =>
        new(Settings(groups), directory, _time, NullLogger.Instance);

    private SlackInteractionEndpoint Endpoint() => new(
        new FixedSecret(SlackInteractions.SigningSecret), _fixture.Approvals, Settings(Responders), _fixture.Time, NullLogger<SlackInteractionEndpoint>.Instance, _directory);

    private async Task<HttpAnswer> ClickAsync(string userId)
    {
        await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));
        _fixture.Cloud.Calls.Clear();
        return await Endpoint().HandleAsync(_fixture.Request(SlackInteractionEndpoint.ApproveAction, userId: userId), None);
    }

    [Fact]
    public async Task HandleAsync_MemberOfAnApproverGroup_IsolatedWithTheMemberAsRequester()
    {
        var answer = await ClickAsync(Member);

        Assert.Equal(200, answer.StatusCode);
        var record = _fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId)!;
        Assert.Equal(IsolationStatus.Isolated, record.Status);
        Assert.StartsWith($"slack:{Member} ", record.RequestedBy, StringComparison.Ordinal);
        Assert.Equal([Responders], _directory.Calls);
    }

    [Fact]
    public async Task HandleAsync_NotAMemberOfTheGroup_403AndNothingDecided()
    {
        var answer = await ClickAsync(Outsider);

        Assert.Equal(403, answer.StatusCode);
        Assert.Contains($"Slack user {Outsider} may not approve", answer.Body, StringComparison.Ordinal);
        Assert.Equal(ApprovalStatus.Pending, _fixture.Stored.Status);
        Assert.Empty(_fixture.Cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_SlackRefusesTheGroupLookup_403SaysWhyAndNothingDecided()
    {
        _directory.Failure = "Slack refused the bot token in SSM parameter /ec2-isolation/slack-bot-token (invalid_auth)";

        var answer = await ClickAsync(Member);

        Assert.Equal(403, answer.StatusCode);
        Assert.Contains($"Could not confirm that Slack user {Member} may approve", answer.Body, StringComparison.Ordinal);
        Assert.Contains("invalid_auth", answer.Body, StringComparison.Ordinal);
        Assert.Equal(ApprovalStatus.Pending, _fixture.Stored.Status);
        Assert.Null(_fixture.Stored.DecidedBy);
        Assert.Null(_fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId));
        Assert.Empty(_fixture.Cloud.Mutations);
    }

    [Fact]
    public async Task CheckAsync_SlackSlowerThanTheLookupTimeout_Unresolved()
    {
        _directory.Slow = _time;
        _directory.SlowBy = ApproverCheck.LookupTimeout + TimeSpan.FromSeconds(1);

        var answer = await CreateSut(_directory, Responders).CheckAsync(Member, None);

        Assert.Equal(ApproverVerdict.Unresolved, answer.Verdict);
        Assert.Contains("did not answer within 2 seconds", answer.Why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_MemberOfAGroup_LoggedThroughWhichGroup()
    {
        var logger = new RecordingLogger<ApproverCheck>();

        await new ApproverCheck(Settings(Responders), _directory, _time, logger).CheckAsync(Member, None);

        var line = Assert.Single(logger.Lines);
        Assert.Equal((Member, Responders), ((string?)line.Properties["UserId"], (string?)line.Properties["Group"]));
    }

    [Fact]
    public async Task CheckAsync_ListedUser_ApproverWithoutAskingSlack()
    {
        var answer = await CreateSut(_directory, Responders).CheckAsync(SlackInteractions.Approver, None);

        Assert.Equal(ApproverVerdict.Approver, answer.Verdict);
        Assert.Empty(_directory.Calls);
    }

    [Fact]
    public async Task CheckAsync_ClicksWithinTheCacheTime_SlackAskedOnceThenAgainAfterIt()
    {
        var sut = CreateSut(_directory, Responders);

        await sut.CheckAsync(Member, None);
        _time.Advance(ApproverCheck.CacheFor - TimeSpan.FromSeconds(1));
        await sut.CheckAsync(Outsider, None);
        Assert.Single(_directory.Calls);

        _directory.Groups[Responders].Remove(Member);
        _time.Advance(TimeSpan.FromSeconds(1));
        var afterRemoval = await sut.CheckAsync(Member, None);

        Assert.Equal(2, _directory.Calls.Count);
        Assert.Equal(ApproverVerdict.NotApprover, afterRemoval.Verdict);
    }

    [Fact]
    public async Task CheckAsync_FailureNotKept_NextClickAsksAgainAndSucceeds()
    {
        var sut = CreateSut(_directory, Responders);
        _directory.Failure = "slack could not be reached";
        Assert.Equal(ApproverVerdict.Unresolved, (await sut.CheckAsync(Member, None)).Verdict);

        _directory.Failure = null;
        var again = await sut.CheckAsync(Member, None);

        Assert.Equal(ApproverVerdict.Approver, again.Verdict);
        Assert.Equal(2, _directory.Calls.Count);
    }

    [Fact]
    public async Task CheckAsync_OneGroupUnknownButAnotherHoldsTheUser_Approver()
    {
        var answer = await CreateSut(_directory, "S0DELETED1", Responders).CheckAsync(Member, None);

        Assert.Equal(ApproverVerdict.Approver, answer.Verdict);
    }

    [Fact]
    public async Task CheckAsync_OneGroupUnknownAndTheOtherLacksTheUser_Unresolved()
    {
        var answer = await CreateSut(_directory, "S0DELETED1", Responders).CheckAsync(Outsider, None);

        Assert.Equal(ApproverVerdict.Unresolved, answer.Verdict);
        Assert.Contains("no_such_subteam", answer.Why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_GroupsWithoutADirectory_Unresolved()
    {
        var answer = await CreateSut(directory: null, Responders).CheckAsync(Member, None);

        Assert.Equal(ApproverVerdict.Unresolved, answer.Verdict);
        Assert.Contains(ApprovalVariables.BotToken, answer.Why, StringComparison.Ordinal);
    }
}
