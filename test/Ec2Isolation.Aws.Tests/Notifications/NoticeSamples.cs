using Amazon.SimpleSystemsManagement;
using Amazon.SimpleSystemsManagement.Model;
using Ec2Isolation.Aws.Notifications;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Notifications;
using Ec2Isolation.TestSupport;
using Moq;

namespace Ec2Isolation.Aws.Tests.Notifications;

/// <summary>Notices about a sample record, and secrets served by a mocked SSM.</summary>
internal static class NoticeSamples
{
    public const string InstanceId = "i-0123456789abcdef0";

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
