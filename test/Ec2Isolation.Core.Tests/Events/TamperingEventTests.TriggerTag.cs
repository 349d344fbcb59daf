using Ec2Isolation.Core.Isolation;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Core.Tests.Events;

/// <summary>CloudTrail's CreateTags of the trigger tag: the record of a tag-change isolation gains who asked, and nothing else changes.</summary>
public sealed partial class TamperingEventTests
{
    private const string TagChangeRequester = "tag-change event 0d3c2b1a-9f8e-4d7c-8b6a-5f4e3d2c1b0a";

    private static string TriggerTagCall(string callerArn = SampleEvents.AttackerArn, string? callerRoleArn = SampleEvents.AttackerRoleArn, string value = "isolate") =>
        SampleEvents.CreateTagsCall([InstanceId], new Dictionary<string, string> { ["ec2-isolation"] = value }, callerArn, callerRoleArn);

    [Fact]
    public async Task HandleAsync_TriggerTagAppliedToAnIsolationByTagChange_RequestedByIsTheCaller()
    {
        var before = await IsolateAsync(TagChangeRequester);

        var result = await CreateSut().HandleAsync(TriggerTagCall(SampleEvents.IamUserArn, callerRoleArn: null), CancellationToken.None);

        Assert.Equal(("trigger-tag-call", "already-isolated"), (result.EventKind, result.Action));
        var stored = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal(SampleEvents.IamUserArn, stored.RequestedBy);
        Assert.Equal((before.Version + 1, before.Status), (stored.Version, stored.Status));
        Assert.Equal(before.CompletedSteps, stored.CompletedSteps);
        Assert.Equal(["GetItem", "PutItem"], _cloud.Calls);
    }

    [Fact]
    public async Task HandleAsync_TriggerTagOnARecordThatNamesWhoAsked_Unchanged()
    {
        var before = await IsolateAsync("arn:aws:sts::123456789012:assumed-role/Analyst/alice");

        var result = await CreateSut().HandleAsync(TriggerTagCall(), CancellationToken.None);

        Assert.Equal("ignored", result.Action);
        Assert.Equal((before.RequestedBy, before.Version), (_cloud.StoredRecord(InstanceId)!.RequestedBy, _cloud.StoredRecord(InstanceId)!.Version));
        Assert.Empty(_cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_TriggerTagWhileARunHoldsTheRecord_BusyNothingWritten()
    {
        await IsolateAsync(TagChangeRequester);
        var held = _cloud.StoredRecord(InstanceId)!;
        held.LeaseOwner = "another-run";
        held.LeaseExpiresAt = _time.GetUtcNow().AddMinutes(5);
        await _cloud.PutAsync(held, held.Version, CancellationToken.None);
        _cloud.Calls.Clear();

        var result = await CreateSut().HandleAsync(TriggerTagCall(), CancellationToken.None);

        Assert.Equal("busy", result.Action);
        Assert.Equal(TagChangeRequester, _cloud.StoredRecord(InstanceId)!.RequestedBy);
        Assert.DoesNotContain("PutItem", _cloud.Calls);
    }

    [Theory]
    [InlineData("quarantine")]
    [InlineData("")]
    public async Task HandleAsync_AnotherValueOfTheTag_IgnoredNothingRead(string value)
    {
        await IsolateAsync(TagChangeRequester);

        var result = await CreateSut().HandleAsync(TriggerTagCall(value: value), CancellationToken.None);

        Assert.Equal("ignored", result.Action);
        Assert.Empty(_cloud.Calls);
    }

    [Fact]
    public async Task HandleAsync_TheFunctionsOwnCreateTags_IgnoredNothingRead()
    {
        await IsolateAsync(TagChangeRequester);

        var result = await CreateSut().HandleAsync(TriggerTagCall(callerRoleArn: OwnRoleArn), CancellationToken.None);

        Assert.Equal("ignored", result.Action);
        Assert.Empty(_cloud.Calls);
        Assert.Equal(TagChangeRequester, _cloud.StoredRecord(InstanceId)!.RequestedBy);
    }

    [Fact]
    public async Task NameRequesterAsync_NoRecord_NoRecordNothingWritten()
    {
        var naming = await _service.NameRequesterAsync(InstanceId, SampleEvents.AttackerArn, "tag-change event ", CancellationToken.None);

        Assert.Equal(new RequesterNaming(RequesterNamingOutcome.NoRecord, null), naming);
        Assert.Equal(["GetItem"], _cloud.Calls);
    }
}
