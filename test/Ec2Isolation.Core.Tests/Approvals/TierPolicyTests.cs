using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Configuration;

namespace Ec2Isolation.Core.Tests.Approvals;

public sealed class TierPolicyTests
{
    [Theory]
    [InlineData(Triggers.Tag, 10, TierAction.Contain)]
    [InlineData(Triggers.GuardDuty, 7, TierAction.Contain)]
    [InlineData(Triggers.GuardDuty, 10, TierAction.Contain)]
    [InlineData(Triggers.GuardDuty, 6.9, TierAction.Ignore)]
    [InlineData(Triggers.AttackSequence, 9, TierAction.Contain)]
    [InlineData(Triggers.SecurityHubAction, 10, TierAction.Contain)]
    public void For_NoTiersConfigured_KeepsTodaysBehaviour(string trigger, double severity, TierAction expected) =>
        Assert.Equal(expected, TierPolicy.Default.For(trigger, severity, guardDutyMinSeverity: 7).Action);

    [Fact]
    public void Parse_PublicSamplesBands_EachSeverityFindsItsBand()
    {
        var policy = TierPolicy.Parse("guardduty:7-10=contain; guardduty:4-7=ask/15/drop; guardduty:0-4=notify; attack-sequence=ask");

        Assert.Equal(TierAction.Contain, policy.For(Triggers.GuardDuty, 7, 7).Action);
        var asked = policy.For(Triggers.GuardDuty, 5.5, 7);
        Assert.Equal((TierAction.Ask, TimeSpan.FromMinutes(15), ExpiryAction.Drop), (asked.Action, asked.Timeout, asked.OnExpiry));
        Assert.Equal(TierAction.Notify, policy.For(Triggers.GuardDuty, 2, 7).Action);
        var sequence = policy.For(Triggers.AttackSequence, 9.5, 7);
        Assert.Equal((TierAction.Ask, Tier.DefaultTimeout, ExpiryAction.Contain), (sequence.Action, sequence.Timeout, sequence.OnExpiry));
        Assert.Equal(TierAction.Contain, policy.For(Triggers.Tag, 10, 7).Action);
    }

    [Theory]
    [InlineData("guardduty=quarantine", "the action must be")]
    [InlineData("cloudtrail=contain", "the trigger must be one of")]
    [InlineData("guardduty:7-4=contain", "the severity band")]
    [InlineData("guardduty:4-11=contain", "the severity band")]
    [InlineData("guardduty=contain/30/drop", "only ask takes a time-out")]
    [InlineData("guardduty=ask/0/drop", "the time-out is a whole number")]
    [InlineData("guardduty=ask/30/later", "contain or drop")]
    [InlineData("guardduty", "expected TRIGGER")]
    public void Parse_WrongRow_NamesTheRowAndWhy(string text, string why)
    {
        var e = Assert.Throws<FormatException>(() => TierPolicy.Parse(text));

        Assert.Contains($"'{text}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_TierAsksWithoutSlack_RefusedNamingWhatIsMissing()
    {
        var e = Assert.Throws<InvalidRequestException>(() => IsolationSettings.FromEnvironment(name => name switch
        {
            "EC2ISOLATION_TABLE" => "records",
            ApprovalVariables.Tiers => "guardduty:4-7=ask",
            _ => null,
        }));

        Assert.Contains("a tier that asks needs EC2ISOLATION_SLACK_WEBHOOK_PARAMETER, EC2ISOLATION_SLACK_SIGNING_SECRET_PARAMETER and EC2ISOLATION_APPROVERS", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_ApproversNotSlackUserIds_Refused()
    {
        var e = Assert.Throws<InvalidRequestException>(() => IsolationSettings.FromEnvironment(name => name switch
        {
            "EC2ISOLATION_TABLE" => "records",
            ApprovalVariables.Approvers => "U0123ABCD, alice@example.com",
            ApprovalVariables.SigningSecret => "/ec2-isolation/slack-signing-secret",
            _ => null,
        }));

        Assert.Contains("'alice@example.com'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'U0123ABCD'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_AskingTierWithSlackAndApprovers_Read()
    {
        var settings = IsolationSettings.FromEnvironment(name => name switch
        {
            "EC2ISOLATION_TABLE" => "records",
            NotificationVariables.Slack => "/ec2-isolation/slack-webhook",
            ApprovalVariables.Tiers => "guardduty:4-7=ask/60/contain",
            ApprovalVariables.Approvers => "U0123ABCD,W0456EFGH",
            ApprovalVariables.SigningSecret => "/ec2-isolation/slack-signing-secret",
            _ => null,
        });

        Assert.Equal(["U0123ABCD", "W0456EFGH"], settings.Approvals!.Approvers.Order(StringComparer.Ordinal));
        Assert.Equal("guardduty:4-7=ask/60/contain", settings.Tiers.Configured.Single().ToString());
    }
}
