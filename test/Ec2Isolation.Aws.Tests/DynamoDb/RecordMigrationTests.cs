using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Ec2Isolation.Aws.DynamoDb;
using Ec2Isolation.Core;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.DynamoDb;

[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class RecordMigrationTests(MotoServer moto) : IAsyncLifetime
{
    private const string OldTable = "records-by-instance";
    private const string NewTable = "records-by-account";
    private const string Instance = "i-0123456789abcdef0";
    private const string AppProfileArn = "arn:aws:iam::123456789012:instance-profile/web-app";
    private const string WebTargetGroupArn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef";
    private const string AdminTargetGroupArn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/admin/fedcba9876543210";

    private const string PreviousTargets =
        $$"""[{"targetGroupArn":"{{WebTargetGroupArn}}","port":8080},{"targetGroupArn":"{{AdminTargetGroupArn}}","port":9000,"availabilityZone":"eu-west-1a"}]""";

    private static readonly string[] AllSteps =
    [
        StepNames.Network, StepNames.InstanceProfile, StepNames.CredentialRevocation, StepNames.AutoScalingStandby, StepNames.TargetDeregistration,
        StepNames.Protection, StepNames.Volumes, StepNames.Snapshots, StepNames.StatusTags,
    ];
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly IAmazonDynamoDB _dynamo = moto.Clients().CreateDynamoDb();

    public async Task InitializeAsync()
    {
        await moto.ResetAsync();
        await MotoAccount.CreateTableAsync(_dynamo, OldTable, "InstanceId");
        await MotoAccount.CreateRecordTableAsync(_dynamo, NewTable);
    }

    public Task DisposeAsync()
    {
        _dynamo.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task CopyAsync_RecordsOfThisShape_CopiedUnchangedUnderTheirAccountKey()
    {
        await PutOldAsync(SampleRecords.Record("i-0000000000000000a"));
        await PutOldAsync(SampleRecords.Record("i-0000000000000000b", IsolationStatus.Released));
        // This release's run stopped before it recorded the attachments: nothing of them changed, nothing to convert.
        var beforeAttachments = SampleRecords.Record("i-0000000000000000c", IsolationStatus.Isolating);
        beforeAttachments.Original.Attachments = null;
        await PutOldAsync(beforeAttachments);

        var result = await new RecordMigration(_dynamo, NewTable).CopyAsync(OldTable, None);

        Assert.Equal((OldTable, NewTable, 3, 0), (result.FromTable, result.ToTable, result.Copied, result.AlreadyPresent));
        Assert.Empty(result.SkippedInstanceIds);
        var store = NewStore();
        Assert.Equivalent(SampleRecords.Record("i-0000000000000000a"), await store.GetAsync("i-0000000000000000a", None), strict: true);
        Assert.Equal(IsolationStatus.Released, (await store.GetAsync("i-0000000000000000b", None))!.Status);
        Assert.Equivalent(beforeAttachments, await store.GetAsync("i-0000000000000000c", None), strict: true);
    }

    [Fact]
    public async Task CopyAsync_RecordOfThePreviousShape_AttachmentsCarryEveryValue()
    {
        var earlier = PreviousShape(Instance, "Released", AllSteps, targetRegistrations: "[]", autoScaling: null);
        await PutOldAsync(Instance, PreviousShape(Instance, "Isolated", AllSteps, PreviousTargets, history: $"[{earlier}]"));

        var result = await new RecordMigration(_dynamo, NewTable).CopyAsync(OldTable, None);

        Assert.Equal((1, 0), (result.Copied, result.Skipped));
        var record = (await NewStore().GetAsync(Instance, None))!;
        var attachments = record.Original.Attachments!;
        Assert.Equal(new ProfileAssociation("iip-assoc-0app", AppProfileArn), attachments.InstanceProfile);
        Assert.Equal(new InstanceProtection(false, false, "stop"), attachments.Protection);
        Assert.Equal(new AutoScalingMembership("web", "InService"), attachments.AutoScaling);
        Assert.Equal([new TargetRegistration(WebTargetGroupArn, 8080, null), new TargetRegistration(AdminTargetGroupArn, 9000, "eu-west-1a")], attachments.TargetRegistrations);
        Assert.Equal((IsolationStatus.Isolated, 12L, "iip-assoc-0isolation"), (record.Status, record.Version, record.Artifacts.IsolationProfileAssociationId));
        Assert.Equal(AllSteps, record.CompletedSteps);
        Assert.Equal(["eni-0aaaaaaaaaaaaaaaa"], record.Original.NetworkInterfaces.Select(eni => eni.NetworkInterfaceId));
        var history = Assert.Single(record.History);
        Assert.Equal(new ProfileAssociation("iip-assoc-0app", AppProfileArn), history.Original.Attachments!.InstanceProfile);
        Assert.Null(history.Original.Attachments.AutoScaling);
    }

    [Fact]
    public async Task CopyAsync_PreviousShapeStoppedBeforeTargetRegistrations_SkippedAndReported()
    {
        const string Releasing = "i-0000000000000000d";
        const string Released = "i-0000000000000000e";
        string[] profileSwapped = [StepNames.Network, StepNames.InstanceProfile, StepNames.CredentialRevocation];
        await PutOldAsync(Instance, PreviousShape(Instance, "Isolating", profileSwapped, targetRegistrations: null));
        await PutOldAsync(Releasing, PreviousShape(Releasing, "Releasing", profileSwapped, targetRegistrations: null));
        await PutOldAsync(Released, PreviousShape(Released, "Released", profileSwapped, targetRegistrations: null));

        var result = await new RecordMigration(_dynamo, NewTable).CopyAsync(OldTable, None);

        Assert.Equal([Releasing, Instance], result.SkippedInstanceIds.Order(StringComparer.Ordinal));
        Assert.Equal((1, 2), (result.Copied, result.Skipped));
        var store = NewStore();
        Assert.Null(await store.GetAsync(Instance, None));
        Assert.Null(await store.GetAsync(Releasing, None));
        // A released record has nothing left to restore: copied, without the attachments it never completed.
        Assert.Null((await store.GetAsync(Released, None))!.Original.Attachments);

        // The previous version finished the isolation: the next migration copies it.
        await PutOldAsync(Instance, PreviousShape(Instance, "Isolated", AllSteps, PreviousTargets));
        var again = await new RecordMigration(_dynamo, NewTable).CopyAsync(OldTable, None);

        Assert.Equal((1, 1), (again.Copied, again.AlreadyPresent));
        Assert.Equal([Releasing], again.SkippedInstanceIds);
        Assert.Equal(8080, (await store.GetAsync(Instance, None))!.Original.Attachments!.TargetRegistrations[0].Port);
    }

    [Fact]
    public async Task CopyAsync_IsolatedByThePreviousVersion_ReleaseAfterMigrationRestoresExactly()
    {
        using var account = await MotoAccount.CreateAsync(moto);
        await MotoAccount.CreateTableAsync(_dynamo, OldTable, "InstanceId");
        // The previous version never reached Classic Load Balancers: its record has no part for them.
        var widest = await WidestInstance.CreateAsync(account, behindClassicLoadBalancer: false);
        var before = await account.SnapshotAsync(widest.Instance);
        var service = account.CreateService();
        await service.IsolateAsync(new IsolationRequest(widest.InstanceId, RequestedBy: "tester"), None);
        // The record as the previous version kept it: the same values, the attachments in the original itself.
        var item = (await account.ReadItemAsync(widest.InstanceId))!;
        var record = JsonNode.Parse(item["Record"].S)!.AsObject();
        var original = record["original"]!.AsObject();
        var attachments = original["attachments"]!.AsObject();
        original.Remove("attachments");
        foreach (var (name, value) in attachments.ToList())
        {
            attachments.Remove(name);
            original[name] = value;
        }

        await PutOldAsync(widest.InstanceId, record.ToJsonString());
        await _dynamo.DeleteItemAsync(MotoAccount.TableName, new() { [DynamoRecordStore.KeyAttribute] = item[DynamoRecordStore.KeyAttribute] });

        Assert.Equal(1, (await new RecordMigration(_dynamo, MotoAccount.TableName).CopyAsync(OldTable, None)).Copied);
        var released = await service.ReleaseAsync(new ReleaseRequest(widest.InstanceId, "tester"), None);

        Assert.Equal(IsolationOutcome.Released, released.Outcome);
        Assert.Equal(before, await account.SnapshotAsync(widest.Instance));
    }

    [Fact]
    public async Task CopyAsync_Rerun_LeavesWhatTheNewTableHolds()
    {
        await PutOldAsync(SampleRecords.Record("i-0000000000000000a"));
        var migration = new RecordMigration(_dynamo, NewTable);
        await migration.CopyAsync(OldTable, None);
        var newer = SampleRecords.Record("i-0000000000000000a", IsolationStatus.Released);
        newer.Version = 5;
        await NewStore().PutAsync(newer, expectedVersion: 0, None);

        var again = await migration.CopyAsync(OldTable, None);

        Assert.Equal((0, 1), (again.Copied, again.AlreadyPresent));
        Assert.Equal(5, (await NewStore().GetAsync("i-0000000000000000a", None))!.Version);
    }

    [Theory]
    [InlineData("no-such-table", "'no-such-table' was not found")]
    [InlineData(NewTable, "names the record table itself")]
    public async Task CopyAsync_BadSourceTable_RefusesAndCopiesNothing(string from, string message)
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => new RecordMigration(_dynamo, NewTable).CopyAsync(from, None));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await _dynamo.ScanAsync(new ScanRequest { TableName = NewTable })).Count);
    }

    private DynamoRecordStore NewStore() => new(_dynamo, NewTable, new KnownAccount(MotoServer.AccountId), "eu-west-1");

    /// <summary>An item as the releases before many accounts wrote it: keyed by InstanceId, the record's JSON in Record.</summary>
    private Task PutOldAsync(IsolationRecord record) =>
        PutOldAsync(record.InstanceId, JsonSerializer.Serialize(record, IsolationJsonContext.Default.IsolationRecord));

    private async Task PutOldAsync(string instanceId, string recordJson) => await _dynamo.PutItemAsync(new PutItemRequest
    {
        TableName = OldTable,
        Item = new()
        {
            ["InstanceId"] = new() { S = instanceId },
            ["Version"] = new() { N = "0" },
            ["Record"] = new() { S = recordJson },
        },
    });

    /// <summary>
    /// A record's JSON as the version before attachments wrote it (see 5668b84's IsolationRecord): the profile,
    /// protection, Auto Scaling membership and target registrations directly in <c>original</c>, the registrations
    /// absent until recorded (before the auto-scaling-standby step), nulls left out, enums by name.
    /// </summary>
    private static string PreviousShape(
        string instanceId, string status, string[] completedSteps, string? targetRegistrations, string history = "[]",
        string? autoScaling = """{"groupName":"web","lifecycleState":"InService"}""") =>
        $$"""
        {"instanceId":"{{instanceId}}","instanceArn":"arn:aws:ec2:eu-west-1:123456789012:instance/{{instanceId}}","accountId":"123456789012",
        "region":"eu-west-1","vpcId":"vpc-0123456789abcdef0","incidentId":"INC-7","reason":"GuardDuty Backdoor:EC2/C&CActivity.B",
        "requestedBy":"arn:aws:sts::123456789012:assumed-role/analyst/alice","startedAt":"2026-11-20T09:00:00+00:00",
        "original":{"networkInterfaces":[{"networkInterfaceId":"eni-0aaaaaaaaaaaaaaaa","groupIds":["sg-0web","sg-0ssh"]}],
        "instanceProfile":{"associationId":"iip-assoc-0app","instanceProfileArn":"{{AppProfileArn}}"},
        "protection":{"disableApiTermination":false,"disableApiStop":false,"shutdownBehavior":"stop"},
        "volumes":[{"volumeId":"vol-0aaaaaaaaaaaaaaaa","deviceName":"/dev/xvda","deleteOnTermination":true}]
        {{(autoScaling is null ? "" : $",\"autoScaling\":{autoScaling}")}}{{(targetRegistrations is null ? "" : $",\"targetRegistrations\":{targetRegistrations}")}},"isSpot":false},
        "findingIds":["8ec6a3c1b0a4d3e2f1a0b9c8d7e6f5a4"],"replacementInstanceIds":[],"status":"{{status}}","version":12,
        "completedSteps":{{JsonSerializer.Serialize(completedSteps)}},"releasedSteps":[],
        "artifacts":{"allTrafficGroupId":"sg-0alltraffic","quarantineGroupId":"sg-0quarantine","isolationProfileAssociationId":"iip-assoc-0isolation",
        "originalRoleNames":["web-app-role"],"revocationPolicyName":"ec2-isolation-revoke-{{instanceId}}",
        "credentialsRevokedBefore":"2026-11-20T09:00:02+00:00","snapshotIds":["snap-0aaaaaaaaaaaaaaaa"]},
        "isolatedAt":"2026-11-20T09:00:09+00:00","updatedAt":"2026-11-20T09:00:09+00:00","notifications":[],"history":{{history}}}
        """;
}
