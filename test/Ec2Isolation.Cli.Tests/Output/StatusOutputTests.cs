using Ec2Isolation.Cli.Output;
using Ec2Isolation.Core.Approvals;

namespace Ec2Isolation.Cli.Tests.Output;

public sealed class StatusOutputTests
{
    [Fact]
    public void WriteTable_PendingApprovalWithLoadBalancers_ShowsTheEvidenceLine()
    {
        using var writer = new StringWriter();
        var status = StatusOutput.From("i-0123456789abcdef0", record: null) with { Approval = Request() };

        status.WriteTable(writer);

        var lines = writer.ToString().ReplaceLineEndings("\n").Split('\n');
        Assert.StartsWith("approval: request 0123456789abcdef0123456789abcdef pending until", lines[0], StringComparison.Ordinal);
        Assert.Equal("evidence: Name: web-1; Load balancers: web-alb; Target groups: web-http, web-health", lines[1]);
        Assert.Equal("i-0123456789abcdef0 is not isolated (no isolation record).", lines[2]);
    }

    [Fact]
    public void WriteTable_ApprovalWithoutEvidence_NoEvidenceLine()
    {
        using var writer = new StringWriter();
        var request = Request();
        request.Evidence = [];

        (StatusOutput.From("i-0123456789abcdef0", record: null) with { Approval = request }).WriteTable(writer);

        Assert.DoesNotContain("evidence:", writer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WriteTable_ApprovalWithATicket_NamesTheTicket()
    {
        using var writer = new StringWriter();
        var request = Request();
        request.TicketKey = "SEC-42";

        (StatusOutput.From("i-0123456789abcdef0", record: null) with { Approval = request }).WriteTable(writer);

        Assert.StartsWith("approval: request 0123456789abcdef0123456789abcdef (ticket SEC-42) pending until", writer.ToString(), StringComparison.Ordinal);
    }

    private static ApprovalRequest Request() => new()
    {
        RequestId = "0123456789abcdef0123456789abcdef",
        AccountId = "123456789012",
        Region = "eu-west-1",
        InstanceId = "i-0123456789abcdef0",
        Trigger = Triggers.GuardDuty,
        Reason = "GuardDuty Backdoor:EC2/C&CActivity.B severity 5.5 finding f1",
        SourceEventId = "event-1",
        RequestedAt = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero),
        ExpiresAt = new DateTimeOffset(2026, 11, 25, 10, 30, 0, TimeSpan.Zero),
        OnExpiry = ExpiryAction.Contain,
        Evidence = new() { ["Name"] = "web-1", ["Load balancers"] = "web-alb", ["Target groups"] = "web-http, web-health" },
    };
}
