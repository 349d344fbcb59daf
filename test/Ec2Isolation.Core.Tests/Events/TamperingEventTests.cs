using System.Text.Json.Nodes;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.Core.Tests.Notifications;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Events;

/// <summary>CloudTrail's record of EC2 calls that undo an isolation: re-contained at once, the caller named, the function's own calls left alone.</summary>
public sealed partial class TamperingEventTests
{
    private const string InstanceId = "i-0123456789abcdef0";
    private const string OwnRoleArn = "arn:aws:iam::123456789012:role/ec2-isolation/Ec2Isolation-FunctionRole";

    private readonly FakeCloud _cloud = new();
    private readonly RecordingLogger<IsolationEventProcessor> _log = new();
    private readonly IsolationSettings _settings = new()
    {
        TableName = "records",
        IsolationInstanceProfile = FakeCloud.IsolationProfileArn,
        EventKinds = new EventKindSettings(OwnRoleArn: OwnRoleArn),
    };

    private readonly ScriptedNotifier _slack = new("slack");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly IsolationService _service;

    public TamperingEventTests()
    {
        _cloud.AddInstance(InstanceId, "vpc-1", profileArn: "arn:aws:iam::123456789012:instance-profile/app");
        _service = new(
            new AwsApis(_cloud, _cloud, _cloud, _cloud, _cloud, _cloud, _cloud), _cloud, _cloud, _settings, FakeAccounts.Region, _time,
            NullLogger<IsolationService>.Instance, [_slack]);
    }

    private string Eni => _cloud.Instances[InstanceId].Enis[0];

    private IsolationEventProcessor CreateSut() => new(FakeAccounts.Router(FakeAccounts.Services(_service, _cloud)), _settings, _log);

    private async Task<IsolationRecord> IsolateAsync(string requestedBy = "analyst")
    {
        await _service.IsolateAsync(new IsolationRequest(InstanceId, RequestedBy: requestedBy), CancellationToken.None);
        _cloud.Calls.Clear();
        _slack.Notices.Clear();
        return _cloud.StoredRecord(InstanceId)!;
    }

    [Fact]
    public async Task HandleAsync_NetworkInterfaceMovedOutOfQuarantine_ReContainedAndTheCallerNamed()
    {
        var record = await IsolateAsync();
        _cloud.EniGroups[Eni] = ["sg-app0"];

        var result = await CreateSut().HandleAsync(SampleEvents.NetworkInterfaceCall(Eni, "sg-app0"), CancellationToken.None);

        Assert.Equal(("tamper", "isolated"), (result.EventKind, result.Action));
        Assert.Equal(new TamperingCall("ModifyNetworkInterfaceAttribute", SampleEvents.AttackerArn, ErrorCode: null) { CallerType = "AssumedRole" }, result.Tampering);
        Assert.Equal([record.Artifacts.QuarantineGroupId!], _cloud.EniGroups[Eni]);
        Assert.Equal(IsolationStatus.Isolated, _cloud.StoredRecord(InstanceId)!.Status);
        Assert.Contains(_log.Lines, line => line.Level == LogLevel.Warning && line.EventId.Id == 2007 && line.Message.Contains(SampleEvents.AttackerArn, StringComparison.Ordinal));
        Assert.Contains("\"tampering\":{\"eventName\":\"ModifyNetworkInterfaceAttribute\"", result.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_NetworkInterfaceCall_RecordReadByTheInterfacesInstanceNeverScanned()
    {
        await IsolateAsync();
        _cloud.EniGroups[Eni] = ["sg-app0"];

        await CreateSut().HandleAsync(SampleEvents.NetworkInterfaceCall(Eni, "sg-app0"), CancellationToken.None);

        Assert.DoesNotContain("ListRecords", _cloud.Calls);
        Assert.Equal(["DescribeNetworkInterfaces:attachment", "GetItem"], _cloud.Calls.Take(2));
    }

    [Fact]
    public async Task HandleAsync_ReContained_NotifiersToldTheCallTheCallerAndEc2sAnswer()
    {
        await IsolateAsync();

        await CreateSut().HandleAsync(
            SampleEvents.InstancesCall("TerminateInstances", [InstanceId], errorCode: "Client.OperationNotPermitted"), CancellationToken.None);

        var notice = Assert.Single(_slack.Notices);
        Assert.Equal(NoticeKind.Tampered, notice.Kind);
        Assert.Equal(
            new TamperingCall("TerminateInstances", SampleEvents.AttackerArn, "Client.OperationNotPermitted") { CallerType = "AssumedRole" },
            notice.Tampering);
        Assert.Contains(_cloud.StoredRecord(InstanceId)!.Notifications, n => n.Kind == NoticeKind.Tampered && n.Succeeded);
    }

    [Fact]
    public async Task HandleAsync_IamUsersCallWithoutSessionIssuer_ReContained()
    {
        var record = await IsolateAsync();
        _cloud.EniGroups[Eni] = ["sg-app0"];
        var call = SampleEvents.ApiCall(
            "ModifyNetworkInterfaceAttribute",
            new JsonObject { ["networkInterfaceId"] = Eni, ["groupSet"] = new JsonObject { ["items"] = new JsonArray(new JsonObject { ["groupId"] = "sg-app0" }) } },
            callerArn: SampleEvents.IamUserArn,
            callerRoleArn: null);

        var result = await CreateSut().HandleAsync(call, CancellationToken.None);

        Assert.Equal("isolated", result.Action);
        Assert.Equal((SampleEvents.IamUserArn, "IAMUser"), (result.Tampering!.Caller, result.Tampering.CallerType));
        Assert.Equal([record.Artifacts.QuarantineGroupId!], _cloud.EniGroups[Eni]);
    }

    [Fact]
    public async Task HandleAsync_ProfileDisassociated_DenyAllProfileAssociatedAgain()
    {
        var record = await IsolateAsync();
        var association = record.Artifacts.IsolationProfileAssociationId!;
        _cloud.Instances[InstanceId].Association = null;
        // The response names the instance: iamInstanceProfileAssociation {associationId, instanceId, iamInstanceProfile, state}
        // (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisassociateIamInstanceProfile.html).
        var call = SampleEvents.ApiCall(
            "DisassociateIamInstanceProfile",
            new JsonObject { ["DisassociateIamInstanceProfileRequest"] = new JsonObject { ["AssociationId"] = association } },
            new JsonObject
            {
                ["DisassociateIamInstanceProfileResponse"] = new JsonObject
                {
                    ["iamInstanceProfileAssociation"] = new JsonObject
                    {
                        ["associationId"] = association,
                        ["instanceId"] = InstanceId,
                        ["iamInstanceProfile"] = new JsonObject { ["arn"] = FakeCloud.IsolationProfileArn, ["id"] = "AIPAEXAMPLEID1234567" },
                        ["state"] = "disassociating",
                    },
                },
            });

        var result = await CreateSut().HandleAsync(call, CancellationToken.None);

        Assert.Equal("isolated", result.Action);
        Assert.Equal(FakeCloud.IsolationProfileArn, _cloud.Instances[InstanceId].Association!.InstanceProfileArn);
        Assert.Contains("AssociateIamInstanceProfile", _cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_TerminationRefusedByProtection_ReportedAsRefusedAndProtectionAppliedAgain()
    {
        await IsolateAsync();

        var result = await CreateSut().HandleAsync(
            SampleEvents.InstancesCall("TerminateInstances", [InstanceId], errorCode: "Client.OperationNotPermitted"), CancellationToken.None);

        Assert.Equal("Client.OperationNotPermitted", result.Tampering!.ErrorCode);
        Assert.Contains("refused by EC2 (Client.OperationNotPermitted)", result.Message, StringComparison.Ordinal);
        Assert.Contains("ModifyInstanceAttribute:protection", _cloud.Mutations);
        Assert.True(_cloud.Instances[InstanceId].Protection.DisableApiTermination);
    }

    [Fact]
    public async Task HandleAsync_TheFunctionsOwnCall_IgnoredNothingCalled()
    {
        await IsolateAsync();
        _cloud.EniGroups[Eni] = ["sg-app0"];

        var result = await CreateSut().HandleAsync(SampleEvents.NetworkInterfaceCall(Eni, "sg-app0", callerRoleArn: OwnRoleArn), CancellationToken.None);

        Assert.Equal("ignored", result.Action);
        Assert.Empty(_cloud.Calls);
    }

    [Fact]
    public async Task HandleAsync_CallOnAnInstanceNotIsolated_IgnoredNothingChanged()
    {
        var result = await CreateSut().HandleAsync(SampleEvents.InstancesCall("StopInstances", [InstanceId]), CancellationToken.None);

        Assert.Equal("ignored", result.Action);
        Assert.Empty(_cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_CallOnAReleasedInstance_IgnoredNothingChanged()
    {
        await IsolateAsync();
        await _service.ReleaseAsync(new ReleaseRequest(InstanceId, "analyst"), CancellationToken.None);
        _cloud.Calls.Clear();

        var result = await CreateSut().HandleAsync(SampleEvents.InstancesCall("StopInstances", [InstanceId]), CancellationToken.None);

        Assert.Equal("ignored", result.Action);
        Assert.Empty(_cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_StopAfterEvidenceByTheAnalystItNames_IgnoredNoTamperingNotice()
    {
        await IsolateAsync();
        await _service.StopAsync(new StopRequest(InstanceId, Force: true, RequestedBy: SampleEvents.AttackerArn), CancellationToken.None);
        _cloud.Calls.Clear();
        _slack.Notices.Clear();

        var result = await CreateSut().HandleAsync(SampleEvents.InstancesCall("StopInstances", [InstanceId]), CancellationToken.None);

        Assert.Equal("ignored", result.Action);
        Assert.Empty(_cloud.Mutations);
        Assert.Empty(_slack.Notices);
    }

    [Fact]
    public async Task HandleAsync_StopByAnotherCallerAfterAnEvidenceStop_ReContained()
    {
        await IsolateAsync();
        await _service.StopAsync(new StopRequest(InstanceId, Force: true, RequestedBy: "arn:aws:sts::123456789012:assumed-role/SecurityAnalyst/alice"), CancellationToken.None);
        _cloud.Calls.Clear();

        var result = await CreateSut().HandleAsync(SampleEvents.InstancesCall("StopInstances", [InstanceId]), CancellationToken.None);

        Assert.Equal("isolated", result.Action);
    }

    [Fact]
    public async Task HandleAsync_AnotherEc2Call_IgnoredNothingCalled()
    {
        var result = await CreateSut().HandleAsync(SampleEvents.InstancesCall("StartInstances", [InstanceId]), CancellationToken.None);

        Assert.Equal("ignored", result.Action);
        Assert.Empty(_cloud.Calls);
    }
}
