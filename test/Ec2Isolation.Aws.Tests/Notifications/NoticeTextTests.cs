using Ec2Isolation.Aws.Notifications;
using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Aws.Tests.Notifications;

public sealed class NoticeTextTests
{
    [Fact]
    public void For_Scanned_TitlesTheReplacementScanAndSummarisesItWithoutAReleaseCommand()
    {
        var notice = NoticeSamples.Notice(NoticeKind.Scanned, ticketKey: "SEC-7");
        notice.Record.ReplacementScans.Add(new ScanSummary
        {
            ReplacementInstanceId = "i-0aaaaaaaaaaaaaaaa",
            At = DateTimeOffset.UnixEpoch,
            CountsBySeverity = new() { ["CRITICAL"] = 1 },
            Critical = [new CriticalFinding("CVE-2024-6387 - openssh-server", "CVE-2024-6387")],
        });

        var text = NoticeText.For(notice);

        Assert.Equal($"Amazon Inspector on the replacement of EC2 instance {NoticeSamples.InstanceId}", text.Title);
        Assert.Equal("i-0aaaaaaaaaaaaaaaa scanned by Amazon Inspector: 1 CRITICAL; critical: CVE-2024-6387 - openssh-server", text.Summary);
        Assert.Contains(new NoticeFact("Replacement scan", text.Summary), text.Facts);
        Assert.Null(text.ReleaseCommand);
    }

    [Fact]
    public void For_CompletedWithoutScans_NoReplacementScanFact()
    {
        var text = NoticeText.For(NoticeSamples.Notice(NoticeKind.Completed));

        Assert.DoesNotContain(text.Facts, fact => fact.Label == "Replacement scan");
        Assert.NotNull(text.ReleaseCommand);
    }
}
