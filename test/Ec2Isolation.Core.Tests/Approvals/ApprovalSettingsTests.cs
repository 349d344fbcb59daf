using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Configuration;

namespace Ec2Isolation.Core.Tests.Approvals;

/// <summary>Approvers as Slack user ids and user group ids, and the bot token the groups need.</summary>
public sealed class ApprovalSettingsTests
{
    [Fact]
    public void FromEnvironment_UsersAndGroupsWithABotToken_BothRead()
    {
        var settings = IsolationSettings.FromEnvironment(Environment(("U0123ABCD,S0604QSJC, W0456EFGH", "/ec2-isolation/slack-bot-token")));

        var approvals = settings.Approvals!;
        Assert.Equal(["U0123ABCD", "W0456EFGH"], approvals.Approvers.Order(StringComparer.Ordinal));
        Assert.Equal(["S0604QSJC"], approvals.ApproverGroups);
        Assert.Equal("/ec2-isolation/slack-bot-token", approvals.BotTokenParameter);
    }

    [Fact]
    public void FromEnvironment_OnlyAGroup_AskingTierAccepted()
    {
        var settings = IsolationSettings.FromEnvironment(Environment(("S0604QSJC", "/ec2-isolation/slack-bot-token")));

        Assert.Empty(settings.Approvals!.Approvers);
        Assert.Equal(["S0604QSJC"], settings.Approvals.ApproverGroups);
    }

    [Fact]
    public void FromEnvironment_GroupWithoutABotToken_RefusedNamingTheScope()
    {
        var e = Assert.Throws<InvalidRequestException>(() => IsolationSettings.FromEnvironment(Environment(("U0123ABCD,S0604QSJC", null))));

        Assert.Contains($"{ApprovalVariables.BotToken} (a bot token with the usergroups:read scope)", e.Message, StringComparison.Ordinal);
        Assert.Contains("S0604QSJC", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_GroupHandleInsteadOfItsId_Refused()
    {
        var e = Assert.Throws<InvalidRequestException>(() => IsolationSettings.FromEnvironment(Environment(("@responders", "/ec2-isolation/slack-bot-token"))));

        Assert.Contains("user group ids (S, then capital letters and digits), not '@responders'", e.Message, StringComparison.Ordinal);
    }

    private static Func<string, string?> Environment((string Approvers, string? BotToken) approvals) => name => name switch
    {
        "EC2ISOLATION_TABLE" => "records",
        NotificationVariables.Slack => "/ec2-isolation/slack-webhook",
        ApprovalVariables.Tiers => "guardduty:4-7=ask/60/contain",
        ApprovalVariables.SigningSecret => "/ec2-isolation/slack-signing-secret",
        ApprovalVariables.Approvers => approvals.Approvers,
        ApprovalVariables.BotToken => approvals.BotToken,
        _ => null,
    };
}
