using System.Text.Json;
using System.Text.Json.Nodes;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Events;

public sealed class IsolationEventProcessorTests
{
    private const string InstanceId = "i-0123456789abcdef0";
    private const string FindingId = "7ac3a7bd5ed6ec35a4bbd3d9a7a2a0b1";

    private readonly FakeCloud _cloud = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private IsolationSettings _settings = new() { TableName = "records", IsolationInstanceProfile = FakeCloud.IsolationProfileArn };

    /// <summary>The instance carries the trigger tag, as it does when its tag-change event arrives.</summary>
    public IsolationEventProcessorTests() => _cloud.AddInstance(InstanceId, "vpc-1").Tags["ec2-isolation"] = "isolate";

    private IsolationService Service => FakeAccounts.Service(_cloud, _settings, _time);

    private IsolationEventProcessor CreateSut() =>
        new(FakeAccounts.Router(FakeAccounts.Services(Service, _cloud)), _settings, NullLogger<IsolationEventProcessor>.Instance);

    private string StoredRecordJson() => JsonSerializer.Serialize(_cloud.StoredRecord(InstanceId)!, IsolationJsonContext.Default.IsolationRecord);

    private static string Edit(string sample, Action<JsonNode> edit)
    {
        var node = JsonNode.Parse(SampleEvents.Load(sample))!;
        edit(node);
        return node.ToJsonString();
    }

    [Fact]
    public async Task HandleAsync_TriggerTagApplied_InstanceIsolated()
    {
        var result = await CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.TagChange), CancellationToken.None);

        Assert.Equal(("tag-change", "isolated"), (result.EventKind, result.Action));
        Assert.Equal(IsolationStatus.Isolated, _cloud.StoredRecord(InstanceId)!.Status);
        Assert.Equal("tag-change event bddcf1d6-0251-35a1-aab0-adc1fb47c11c", _cloud.StoredRecord(InstanceId)!.RequestedBy);
    }

    [Fact]
    public async Task HandleAsync_SameTagEventTwice_SecondChangesNothing()
    {
        var json = SampleEvents.Load(SampleEvents.TagChange);
        await CreateSut().HandleAsync(json, CancellationToken.None);
        _cloud.Calls.Clear();

        var second = await CreateSut().HandleAsync(json, CancellationToken.None);

        Assert.Equal("already-isolated", second.Action);
        Assert.Empty(_cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_TagEventDeliveredAgainAfterTheRelease_IgnoredSayingWhyAndNothingChanged()
    {
        var json = SampleEvents.Load(SampleEvents.TagChange);
        await CreateSut().HandleAsync(json, CancellationToken.None);
        await Service.ReleaseAsync(new ReleaseRequest(InstanceId, "analyst"), CancellationToken.None);
        _cloud.Calls.Clear();

        // Lambda keeps an event for up to 6 hours and may deliver it twice.
        var replay = await CreateSut().HandleAsync(json, CancellationToken.None);

        Assert.Equal("ignored", replay.Action);
        Assert.Contains("no longer carries the tag", replay.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Mutations);
        Assert.Equal(IsolationStatus.Released, _cloud.StoredRecord(InstanceId)!.Status);
    }

    [Fact]
    public async Task HandleAsync_TenCopiesOfOneEventAtOnce_OneIsolationAndNoError()
    {
        var json = SampleEvents.Load(SampleEvents.TagChange);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => CreateSut().HandleAsync(json, CancellationToken.None)));

        Assert.Equal(1, results.Count(r => r.Action == "isolated"));
        Assert.All(results, r => Assert.Contains(r.Action, new[] { "isolated", "already-isolated", "busy" }));
        Assert.Equal(1, _cloud.Calls.Count(c => c == "CreateSnapshots"));
    }

    [Theory]
    [InlineData("Name", "isolate")]
    [InlineData("ec2-isolation", "Isolate")]
    [InlineData("ec2-isolation", "isolate\u0000")]
    [InlineData("ec2-isolation", "is\u043elate")]
    public async Task HandleAsync_OtherTagOrValue_LoggedNoOpWithoutMutation(string key, string value)
    {
        var json = Edit(SampleEvents.TagChange, e =>
        {
            e["detail"]!["changed-tag-keys"] = new JsonArray(key);
            e["detail"]!["tags"] = new JsonObject { [key] = value };
        });

        var result = await CreateSut().HandleAsync(json, CancellationToken.None);

        Assert.Equal("ignored", result.Action);
        Assert.Empty(_cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_TriggerTagRemoved_NoOp()
    {
        var json = Edit(SampleEvents.TagChange, e => e["detail"]!["tags"] = new JsonObject());

        Assert.Equal("ignored", (await CreateSut().HandleAsync(json, CancellationToken.None)).Action);
        Assert.Empty(_cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_CustomTriggerTag_OnlyThatTagIsolates()
    {
        _settings = _settings with { TriggerTagKey = "quarantine", TriggerTagValue = "now" };
        _cloud.Instances[InstanceId].Tags["quarantine"] = "now";
        var json = Edit(SampleEvents.TagChange, e =>
        {
            e["detail"]!["changed-tag-keys"] = new JsonArray("quarantine");
            e["detail"]!["tags"] = new JsonObject { ["quarantine"] = "now" };
        });

        Assert.Equal("isolated", (await CreateSut().HandleAsync(json, CancellationToken.None)).Action);
    }

    public static TheoryData<string, string> MalformedEvents() => new()
    {
        { "{\"source\": \"aws.tag\", ", "not valid JSON" },
        { "[]", "must be a JSON object" },
        { "{}", "has no 'source'" },
        { Edit(SampleEvents.TagChange, e => e["source"] = 7), "'source' must be a string" },
        { Edit(SampleEvents.TagChange, e => e["detail"]!["changed-tag-keys"] = "ec2-isolation"), "'changed-tag-keys' must be a JSON array" },
        { Edit(SampleEvents.TagChange, e => e["resources"] = new JsonArray("arn:aws:ec2:us-east-1:999999999999:instance/i-0123456789abcdef0")), "belongs to account 999999999999" },
        { Edit(SampleEvents.TagChange, e => e["resources"] = new JsonArray("arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0")), "in eu-west-1" },
        { Edit(SampleEvents.TagChange, e => e["resources"] = new JsonArray("arn:aws:s3:::my-bucket")), "is not an EC2 instance ARN" },
        { Edit(SampleEvents.TagChange, e => e["resources"] = new JsonArray("arn:aws:ec2:us-east-1:123456789012:instance/i-XYZ")), "is not an EC2 instance id" },
        { Edit(SampleEvents.TagChange, e => e["detail-type"] = "AWS API Call via CloudTrail"), "Unsupported event" },
        { Edit(SampleEvents.GuardDutyFinding, e => e["detail"]!["severity"] = "8"), "severity must be a number" },
        { Edit(SampleEvents.GuardDutyFinding, e => e["detail"]!["accountId"] = "999999999999"), "belongs to account 999999999999" },
        { "{\"source\":\"" + new string('a', IsolationEvent.MaxEventBytes) + "\"}", "at most" },
    };

    [Theory]
    [MemberData(nameof(MalformedEvents))]
    public async Task HandleAsync_MalformedEvent_ClearErrorAndNothingCalled(string json, string expected)
    {
        var error = await Assert.ThrowsAsync<InvalidEventException>(() => CreateSut().HandleAsync(json, CancellationToken.None));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Empty(_cloud.Calls);
    }

    [Fact]
    public async Task HandleAsync_TerminatedInstance_RefusedNotFailed()
    {
        _cloud.Instances[InstanceId].State = "terminated";

        var result = await CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.TagChange), CancellationToken.None);

        Assert.Equal("refused", result.Action);
        Assert.Contains("terminated", result.Instances.Single().Error, StringComparison.Ordinal);
        Assert.Empty(_cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_HighSeverityFinding_TaggedLikeAnAnalystWouldAndIsolatedInTheSameInvocation()
    {
        var result = await CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.GuardDutyFinding), CancellationToken.None);

        Assert.Equal(("guardduty-finding", "isolated"), (result.EventKind, result.Action));
        var tags = _cloud.Instances[InstanceId].Tags;
        Assert.Equal("isolate", tags["ec2-isolation"]);
        Assert.Equal("GuardDuty Backdoor:EC2/C_CActivity.B_DNS severity 8 finding " + FindingId, tags["ec2-isolation:reason"]);
        var record = _cloud.StoredRecord(InstanceId)!;
        Assert.Equal([FindingId], record.FindingIds);
        Assert.Contains("Backdoor:EC2/C&CActivity.B!DNS", record.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_FindingForAFreshInstance_NoRecordReadBeforeTheNetworkIsCutAndTagsWrittenAfterTheClaim()
    {
        var result = await CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.GuardDutyFinding), CancellationToken.None);

        Assert.Equal("isolated", result.Action);
        var calls = _cloud.Calls.ToList();
        var firstMove = calls.FindIndex(call => call.StartsWith("ModifyNetworkInterfaceAttribute", StringComparison.Ordinal));
        Assert.True(firstMove > 0, string.Join(", ", calls));
        Assert.DoesNotContain("GetItem", calls.Take(firstMove));
        Assert.True(calls.IndexOf("CreateTags") > calls.IndexOf("PutItem"), string.Join(", ", calls));
        Assert.Equal("isolate", _cloud.Instances[InstanceId].Tags["ec2-isolation"]);
    }

    [Fact]
    public async Task HandleAsync_FindingThenItsTagEvent_TagEventIsANoOp()
    {
        await CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.GuardDutyFinding), CancellationToken.None);
        _cloud.Calls.Clear();

        var tagEvent = await CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.TagChange), CancellationToken.None);

        Assert.Equal("already-isolated", tagEvent.Action);
        Assert.Empty(_cloud.Mutations);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HandleAsync_FindingRepublishedAfterRelease_AlreadyHandledAndNothingChangedButTheRefusedClaim(bool findingInHistory)
    {
        var finding = SampleEvents.Load(SampleEvents.GuardDutyFinding);
        await CreateSut().HandleAsync(finding, CancellationToken.None);
        await Service.ReleaseAsync(new ReleaseRequest(InstanceId, "analyst"), CancellationToken.None);
        if (findingInHistory)
        {
            await CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.GuardDutyFinding, findingId: "another-finding"), CancellationToken.None);
            await Service.ReleaseAsync(new ReleaseRequest(InstanceId, "analyst"), CancellationToken.None);
            Assert.Equal([FindingId], Assert.Single(_cloud.StoredRecord(InstanceId)!.History).FindingIds);
        }

        var stored = StoredRecordJson();
        _cloud.Calls.Clear();

        var update = await CreateSut().HandleAsync(finding, CancellationToken.None);

        Assert.Equal("already-handled", update.Action);
        Assert.Equal($"This finding was handled before for {InstanceId}; nothing changed.", update.Message);
        Assert.Equal(_cloud.StoredRecord(InstanceId)!.IncidentId, update.Instances.Single().IncidentId);
        Assert.Equal(["PutItem"], _cloud.Mutations);
        Assert.Equal(stored, StoredRecordJson());
        Assert.False(_cloud.Instances[InstanceId].Tags.ContainsKey("ec2-isolation"));
    }

    [Fact]
    public async Task HandleAsync_FindingRepublishedWhileIsolatedForIt_AlreadyHandledAndNothingWritten()
    {
        var finding = SampleEvents.Load(SampleEvents.GuardDutyFinding);
        await CreateSut().HandleAsync(finding, CancellationToken.None);
        var stored = StoredRecordJson();
        _cloud.Calls.Clear();

        var update = await CreateSut().HandleAsync(finding, CancellationToken.None);

        Assert.Equal("already-handled", update.Action);
        var outcome = update.Instances.Single();
        Assert.Equal((_cloud.StoredRecord(InstanceId)!.IncidentId, IsolationSteps.InOrder.Count), (outcome.IncidentId, outcome.CompletedSteps!.Count));
        Assert.Empty(_cloud.Mutations);
        Assert.Equal(stored, StoredRecordJson());
    }

    [Fact]
    public async Task HandleAsync_FindingRepublishedAfterItsRunFailed_TheRetryResumesTheIsolation()
    {
        var finding = SampleEvents.Load(SampleEvents.GuardDutyFinding);
        _cloud.BeforeCall = call =>
        {
            if (call == "CreateSnapshots")
            {
                throw new InvalidOperationException("injected failure");
            }
        };
        await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().HandleAsync(finding, CancellationToken.None));
        _cloud.BeforeCall = null;
        Assert.Equal("isolate", _cloud.Instances[InstanceId].Tags["ec2-isolation"]);
        _cloud.Calls.Clear();

        // Lambda's retry (or GuardDuty's re-publication) of a finding whose isolation did not complete finishes it.
        var retry = await CreateSut().HandleAsync(finding, CancellationToken.None);

        Assert.Equal("isolated", retry.Action);
        Assert.Equal(IsolationStatus.Isolated, _cloud.StoredRecord(InstanceId)!.Status);
        Assert.Contains("CreateSnapshots", _cloud.Mutations);
        Assert.DoesNotContain(_cloud.Mutations, call => call.StartsWith("ModifyNetworkInterfaceAttribute", StringComparison.Ordinal));
        Assert.Equal("already-handled", (await CreateSut().HandleAsync(finding, CancellationToken.None)).Action);
    }

    [Fact]
    public async Task HandleAsync_FindingForAnInstanceIsolatedForAnother_AlreadyIsolatedAndNothingWritten()
    {
        await CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.GuardDutyFinding), CancellationToken.None);
        var reasonTag = _cloud.Instances[InstanceId].Tags["ec2-isolation:reason"];
        _cloud.Calls.Clear();

        var result = await CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.GuardDutyFinding, findingId: "another-finding"), CancellationToken.None);

        Assert.Equal("already-isolated", result.Action);
        Assert.Empty(_cloud.Mutations);
        Assert.Equal([FindingId], _cloud.StoredRecord(InstanceId)!.FindingIds);
        Assert.Equal(reasonTag, _cloud.Instances[InstanceId].Tags["ec2-isolation:reason"]);
    }

    [Fact]
    public async Task HandleAsync_NewFindingAfterRelease_IsolatesAgain()
    {
        await CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.GuardDutyFinding), CancellationToken.None);
        await Service.ReleaseAsync(new ReleaseRequest(InstanceId, "analyst"), CancellationToken.None);

        var result = await CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.GuardDutyFinding, findingId: "another-finding"), CancellationToken.None);

        Assert.Equal("isolated", result.Action);
    }

    [Fact]
    public async Task HandleAsync_FindingForAnInstanceAnotherRunHolds_BusyAndNotTagged()
    {
        await CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.TagChange), CancellationToken.None);
        await Service.ReleaseAsync(new ReleaseRequest(InstanceId, "analyst"), CancellationToken.None);
        var record = _cloud.StoredRecord(InstanceId)!;
        (record.Status, record.LeaseOwner, record.LeaseExpiresAt) = (IsolationStatus.Isolating, "another-run", _time.GetUtcNow().AddMinutes(1));
        record.Version++;
        await _cloud.PutAsync(record, record.Version - 1, CancellationToken.None);
        _cloud.Calls.Clear();

        var result = await CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.GuardDutyFinding), CancellationToken.None);

        Assert.Equal("busy", result.Action);
        Assert.Equal(["PutItem"], _cloud.Mutations);
        Assert.False(_cloud.Instances[InstanceId].Tags.ContainsKey("ec2-isolation"));
    }

    [Theory]
    [InlineData(6.9, "", "ignored")]
    [InlineData(7.0, "", "isolated")]
    [InlineData(9.5, "CryptoCurrency:,UnauthorizedAccess:", "ignored")]
    [InlineData(9.5, "Backdoor:EC2/", "isolated")]
    public async Task HandleAsync_FindingPolicy_SeverityAndTypePrefixesDecide(double severity, string prefixes, string expected)
    {
        _settings = _settings with { GuardDutyTypePrefixes = prefixes.Split(',', StringSplitOptions.RemoveEmptyEntries) };
        var json = Edit(SampleEvents.GuardDutyFinding, e => e["detail"]!["severity"] = severity);

        var result = await CreateSut().HandleAsync(json, CancellationToken.None);

        Assert.Equal(expected, result.Action);
        Assert.Equal(expected == "isolated", _cloud.Mutations.Count > 0);
    }

    [Fact]
    public async Task HandleAsync_FindingAboutAnS3Bucket_NoOp()
    {
        var json = Edit(SampleEvents.GuardDutyFinding, e => e["detail"]!["resource"] = new JsonObject { ["resourceType"] = "S3Bucket" });

        Assert.Equal("ignored", (await CreateSut().HandleAsync(json, CancellationToken.None)).Action);
        Assert.Empty(_cloud.Calls);
    }

    [Fact]
    public async Task HandleAsync_Sweep_IsolatesTaggedInstancesALostEventLeftOpen()
    {
        _cloud.Instances[InstanceId].Tags["ec2-isolation"] = "isolate";
        _cloud.AddInstance("i-0fedcba9876543210", "vpc-1").Tags["ec2-isolation"] = "isolate";
        _cloud.AddInstance("i-00000000000000001", "vpc-1");
        await Service.IsolateAsync(new IsolationRequest("i-0fedcba9876543210"), CancellationToken.None);

        var result = await CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep), CancellationToken.None);

        Assert.Equal(("sweep", "swept"), (result.EventKind, result.Action));
        Assert.Equal(
            [(InstanceId, "isolated"), ("i-0fedcba9876543210", "already-isolated")],
            result.Instances.Select(i => (i.InstanceId, i.Outcome)));
        Assert.Equal(_cloud.StoredRecord("i-0fedcba9876543210")!.IncidentId, result.Instances[1].IncidentId);
        Assert.Null(_cloud.StoredRecord("i-00000000000000001"));
    }

    [Fact]
    public async Task HandleAsync_SweepWithAFailure_FailsLoudlyAfterIsolatingTheOthers()
    {
        _cloud.Instances[InstanceId].Tags["ec2-isolation"] = "isolate";
        _cloud.AddInstance("i-0fedcba9876543210", "vpc-2").Tags["ec2-isolation"] = "isolate";
        _cloud.Groups.Add(new FakeGroup { GroupId = "sg-q", Name = _settings.QuarantineGroupName, VpcId = "vpc-1" });
        _cloud.Groups.Add(new FakeGroup { GroupId = "sg-a", Name = _settings.AllTrafficGroupName, VpcId = "vpc-1" });
        _cloud.BeforeCall = call =>
        {
            // vpc-2 has no groups yet, and creating them fails.
            if (call == "CreateSecurityGroup")
            {
                throw new InvalidOperationException("injected failure");
            }
        };

        var error = await Assert.ThrowsAsync<IsolationFailedException>(
            () => CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.ScheduledSweep), CancellationToken.None));

        Assert.Contains("1 of 2", error.Message, StringComparison.Ordinal);
        Assert.Equal(IsolationStatus.Isolated, _cloud.StoredRecord(InstanceId)!.Status);
        Assert.Equal(IsolationStatus.Isolating, _cloud.StoredRecord("i-0fedcba9876543210")!.Status);
        Assert.Contains("123456789012/i-0fedcba9876543210: Isolation of i-0fedcba9876543210 failed: 'network' failed", error.Message, StringComparison.Ordinal);
    }
}
