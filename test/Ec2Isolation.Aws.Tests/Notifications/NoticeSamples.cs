using System.Text;
using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Ec2Isolation.Aws.Notifications;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Notifications;
using Ec2Isolation.TestSupport;
using Moq;

namespace Ec2Isolation.Aws.Tests.Notifications;

/// <summary>Notices about a sample record, and secrets served by a mocked SSM.</summary>
internal static class NoticeSamples
{
    public const string InstanceId = "i-0123456789abcdef0";

    /// <summary>The Atlassian account of the Jira stand-in's site, its API token, and the Basic credentials they make.</summary>
    public const string JiraUser = "soc@example.com";
    public const string JiraToken = "ATATT3xFfGF0-not-a-real-token-0123456789";
    public static readonly string JiraCredentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{JiraUser}:{JiraToken}"));

    /// <summary>A Jira site at <paramref name="site"/> (project SEC, issue type Task), its token served by a mocked SSM, and the HTTP to reach it.</summary>
    public static (JiraSettings Settings, SsmSecret Token, NotificationHttp Http) Jira(Uri site)
    {
        var settings = new JiraSettings(site, "SEC", "Task", JiraUser, "/ec2-isolation/jira-token");
        return (settings, Secret(settings.TokenParameter, JiraToken).Secret, new NotificationHttp(new HttpClient(), TimeProvider.System));
    }

    public static IsolationNotice Notice(NoticeKind kind, string? ticketKey = null, string? error = null)
    {
        var record = SampleRecords.Record(InstanceId, kind == NoticeKind.Released ? IsolationStatus.Released : IsolationStatus.Isolated);
        record.FindingIds.Add("8ab7e0c1f2d3");
        record.TicketKey = ticketKey;
        return new IsolationNotice(kind, record, IsolationNotice.ReleaseCommandFor(record), error);
    }

    /// <summary>A SecureString parameter holding <paramref name="value"/>, and the mock to verify reads on.</summary>
    public static (SsmSecret Secret, Mock<IAmazonSimpleSystemsManagement> Ssm) Secret(string name, string value)
    {
        var ssm = new Mock<IAmazonSimpleSystemsManagement>();
        ssm.Setup(s => s.GetParameterAsync(It.IsAny<GetParameterRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new GetParameterResponse { Parameter = new Parameter { Name = name, Type = ParameterType.SecureString, Value = value } });
        return (new SsmSecret(ssm.Object, name), ssm);
    }
}
