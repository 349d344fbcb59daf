using System.Text.Json;
using System.Text.Json.Nodes;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Core.Tests.Model;

/// <summary>Records written by earlier releases, which lack the fields added since, must load with those fields empty.</summary>
public sealed class IsolationRecordJsonTests
{
    [Fact]
    public void Deserialize_RecordWrittenBeforeFailedStepsNotRestoredAndUnread_EachEmptyNotNull()
    {
        var json = JsonNode.Parse(JsonSerializer.Serialize(SampleRecords.Record(), IsolationJsonContext.Default.IsolationRecord))!.AsObject();
        json.Remove("failedSteps");
        json.Remove("notRestored");
        json["original"]!["attachments"]!.AsObject().Remove("unread");

        // The source generator sets init-only members from the JSON alone, so a missing one would be null, not its initializer's value.
        var record = JsonSerializer.Deserialize(json.ToJsonString(), IsolationJsonContext.Default.IsolationRecord)!;

        Assert.Empty(record.FailedSteps);
        Assert.Empty(record.NotRestored);
        Assert.True(record.Original.Attachments!.IsRead(AttachmentParts.TargetRegistrations));
    }

    [Fact]
    public void Deserialize_RecordWrittenBeforeTheAfterContainmentFields_ImagesEmptyKeyPairAndStopNull()
    {
        var json = JsonNode.Parse(JsonSerializer.Serialize(SampleRecords.Record(), IsolationJsonContext.Default.IsolationRecord))!.AsObject();
        json["artifacts"]!.AsObject().Remove("replacementImageIds");

        var record = JsonSerializer.Deserialize(json.ToJsonString(), IsolationJsonContext.Default.IsolationRecord)!;

        Assert.Empty(record.Artifacts.ReplacementImageIds);
        Assert.Equal((null, null), (record.Artifacts.KeyPair, record.Stop));
    }

    [Fact]
    public void Serialize_KeyPairAndStop_RoundTrip()
    {
        var record = SampleRecords.Record();
        record.Artifacts.KeyPair = new KeyPairInfo("key-1", "ops", "ed25519", "SHA256:x", "ssh-ed25519 AAAA ops");
        record.Stop = new InstanceStop { RequestedBy = "alice", StoppedAt = DateTimeOffset.UnixEpoch, StateBefore = "running", IncompleteSnapshots = ["snap-1 (pending)"] };

        var copy = JsonSerializer.Deserialize(JsonSerializer.Serialize(record, IsolationJsonContext.Default.IsolationRecord), IsolationJsonContext.Default.IsolationRecord)!;

        Assert.Equal(record.Artifacts.KeyPair, copy.Artifacts.KeyPair);
        Assert.Equal(("alice", "running"), (copy.Stop!.RequestedBy, copy.Stop.StateBefore));
        Assert.Equal(["snap-1 (pending)"], copy.Stop.IncompleteSnapshots);
    }

    [Fact]
    public void Deserialize_RecordWrittenBeforeClassicLoadBalancers_NullSoTheNextRunReadsThem()
    {
        var json = JsonNode.Parse(JsonSerializer.Serialize(SampleRecords.Record(), IsolationJsonContext.Default.IsolationRecord))!.AsObject();
        json["original"]!["attachments"]!.AsObject().Remove("classicLoadBalancers");

        var attachments = JsonSerializer.Deserialize(json.ToJsonString(), IsolationJsonContext.Default.IsolationRecord)!.Original.Attachments!;

        Assert.Null(attachments.ClassicLoadBalancers);
        Assert.False(attachments.IsRead(AttachmentParts.ClassicLoadBalancers));
        Assert.True(attachments.IsRead(AttachmentParts.TargetRegistrations));
    }

    [Fact]
    public void Serialize_ClassicLoadBalancers_RoundTripAndRead()
    {
        var record = SampleRecords.Record();
        record.Original.Attachments!.ClassicLoadBalancers = ["web", "api"];

        var copy = JsonSerializer.Deserialize(JsonSerializer.Serialize(record, IsolationJsonContext.Default.IsolationRecord), IsolationJsonContext.Default.IsolationRecord)!;

        Assert.Equal(["web", "api"], copy.Original.Attachments!.ClassicLoadBalancers);
        Assert.True(copy.Original.Attachments.IsRead(AttachmentParts.ClassicLoadBalancers));
    }
}
