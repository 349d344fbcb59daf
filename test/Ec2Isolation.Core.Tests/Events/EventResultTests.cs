using System.Text.Json;
using System.Text.Json.Nodes;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Tests.Approvals;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Events;

/// <summary>The function's response: a contract (docs/result-events.md, docs/result-event.v1.schema.json).</summary>
public sealed class EventResultTests
{
    private const string InstanceId = "i-0123456789abcdef0";
    private const string Other = "i-0fedcba9876543210";
    private const string Grouped = "i-00000000000000071";
    private const string Chosen = "i-00000000000000072";

    private static readonly string SchemaPath = Path.Combine(BootstrapProcess.RepositoryRoot, "docs", "result-event.v1.schema.json");
    private static readonly string DocumentPath = Path.Combine(BootstrapProcess.RepositoryRoot, "docs", "result-events.md");

    private readonly FakeCloud _cloud = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly IsolationSettings _settings = new()
    {
        TableName = "records",
        IsolationInstanceProfile = FakeCloud.IsolationProfileArn,
        EventKinds = new EventKindSettings(SecurityHubActionId: SampleEvents.SecurityHubActionId),
    };

    /// <summary>The instance carries the trigger tag, as it does when its tag-change event arrives.</summary>
    public EventResultTests() => _cloud.AddInstance(InstanceId, "vpc-1").Tags["ec2-isolation"] = "isolate";

    private IsolationEventProcessor CreateSut() =>
        new(FakeAccounts.Router(FakeAccounts.Services(_cloud, _settings, _time)), _settings, NullLogger<IsolationEventProcessor>.Instance);

    [Fact]
    public async Task ToJson_InstanceIsolated_ExactFieldNamesAndTheRecordsFacts()
    {
        var json = await HandleAsync(SampleEvents.TagChange);

        Assert.Equal(
            ["schemaVersion", "eventKind", "sourceEventId", "account", "region", "action", "message", "instances"],
            Names(json));
        Assert.Equal(
            ["instanceId", "outcome", "message", "account", "incidentId", "completedSteps", "quarantineGroupId", "snapshotIds", "releaseCommand"],
            Names(json["instances"]![0]!));
        var record = _cloud.StoredRecord(InstanceId)!;
        AssertJson(
            $$"""
            {
              "schemaVersion": "1",
              "eventKind": "tag-change",
              "sourceEventId": "bddcf1d6-0251-35a1-aab0-adc1fb47c11c",
              "account": "123456789012",
              "region": "us-east-1",
              "action": "isolated",
              "message": "{{InstanceId}} is isolated (incident {{record.IncidentId}}).",
              "instances": [{
                "instanceId": "{{InstanceId}}",
                "outcome": "isolated",
                "message": "{{InstanceId}} is isolated (incident {{record.IncidentId}}).",
                "account": "123456789012",
                "incidentId": "{{record.IncidentId}}",
                "completedSteps": {{JsonSerializer.Serialize(record.CompletedSteps)}},
                "quarantineGroupId": "{{record.Artifacts.QuarantineGroupId}}",
                "snapshotIds": {{JsonSerializer.Serialize(record.Artifacts.SnapshotIds)}},
                "releaseCommand": "ec2-isolation release {{InstanceId}} --account 123456789012 --region us-east-1"
              }]
            }
            """,
            json);
        Assert.NotEmpty(record.Artifacts.SnapshotIds);
    }

    [Fact]
    public void FromRecord_RecordWithATicket_CarriesEveryFact()
    {
        var record = SampleRecords.Record();
        record.TicketKey = "SEC-7";

        var outcome = InstanceOutcome.FromRecord(Outcomes.AlreadyIsolated, record, "was already isolated");

        AssertJson(
            """
            {
              "instanceId": "i-0123456789abcdef0",
              "outcome": "already-isolated",
              "message": "was already isolated",
              "account": "123456789012",
              "incidentId": "INC-1",
              "completedSteps": ["network", "credentials"],
              "quarantineGroupId": "sg-quarantine",
              "snapshotIds": ["snap-1", "snap-2"],
              "ticketKey": "SEC-7",
              "releaseCommand": "ec2-isolation release i-0123456789abcdef0 --account 123456789012 --region eu-west-1"
            }
            """,
            Result("tag-change", outcome)["instances"]![0]);
    }

    [Fact]
    public async Task ToJson_UnknownInstance_RefusedWithTheErrorAndNoRecordFacts()
    {
        var json = await HandleAsync(SampleEvents.TagChange, "i-0000000000000000a");

        var instance = json["instances"]![0]!;
        Assert.Equal(["instanceId", "outcome", "message", "account", "error"], Names(instance));
        Assert.Equal(("refused", "refused"), ((string?)json["action"], (string?)instance["outcome"]));
    }

    [Fact]
    public void Outcomes_All_AreTheSchemasEnumerations()
    {
        var schema = JsonNode.Parse(File.ReadAllText(SchemaPath))!;

        Assert.Equal(Outcomes.All, Strings(schema["$defs"]!["instance"]!["properties"]!["outcome"]!["enum"]));
        Assert.Equal([.. Outcomes.All, EventResult.Swept, EventResult.Reverted], Strings(schema["properties"]!["action"]!["enum"]));
        Assert.Equal(EventResult.CurrentSchemaVersion, (string?)schema["properties"]!["schemaVersion"]!["const"]);
        Assert.DoesNotContain(Outcomes.Failed, Outcomes.All);
    }

    /// <summary>
    /// Every kind of result, and the success example of docs/result-events.md, against the schema file made strict (no
    /// property the schema does not declare), with python3's jsonschema (cfn-lint, which CI installs, depends on it).
    /// </summary>
    [Fact]
    [Trait("Category", "Lint")]
    public async Task Schema_ResultsOfEveryKindAndTheDocumentedExample_Validate()
    {
        _cloud.AddInstance(Other, "vpc-1");
        _cloud.AddInstance(Grouped, "vpc-1");
        _cloud.AddInstance(Chosen, "vpc-1");
        var ticket = SampleRecords.Record();
        ticket.TicketKey = "SEC-7";
        JsonNode[] samples =
        [
            await HandleAsync(SampleEvents.TagChange),
            await HandleAsync(SampleEvents.TagChange),
            await HandleAsync(SampleEvents.GuardDutyFinding, Other),
            await HandleAsync(SampleEvents.GuardDutyFinding, Other),
            await HandleAsync(SampleEvents.ScheduledSweep),
            await HandleAsync(SampleEvents.TagChange, "i-0000000000000000a"),
            await HandleEventAsync(SampleEvents.Load(SampleEvents.TagChange).Replace("\"isolate\"", "\"no\"", StringComparison.Ordinal)),
            Result("tag-change", InstanceOutcome.FromRecord(Outcomes.AlreadyHandled, ticket, "handled before")),
            Result("tag-change", new InstanceOutcome(InstanceId, Outcomes.Busy, "busy") { Error = "another run" }),
            await HandleEventAsync(SampleEvents.AttackSequence([InstanceId], [Grouped], [], [])),
            await HandleEventAsync(SampleEvents.SecurityHubAction([SampleEvents.InstanceArn(Chosen), $"arn:aws:ec2:eu-west-1:{FakeCloud.AccountId}:instance/{Other}"])),
            await HandleEventAsync(SampleEvents.InstancesCall("TerminateInstances", [Chosen], errorCode: "Client.OperationNotPermitted")),
            await HandleEventAsync(SampleEvents.CreateTagsCall([Chosen], new Dictionary<string, string> { ["ec2-isolation"] = "isolate" })),
            await QuarantineRuleAddedAsync(),
            await ApprovalDecisionAsync(SlackInteractionEndpoint.ApproveAction),
            await ApprovalDecisionAsync(SlackInteractionEndpoint.DenyAction),
            await HandleEventAsync(ContinuationOf(InstanceId)),
        ];
        Assert.Equal(
            ["isolated", "already-isolated", "isolated", "already-handled", "swept", "refused", "ignored", "already-handled", "busy", "isolated", "isolated", "isolated",
             "ignored", "reverted", "isolated", "denied", "already-isolated"],
            samples.Select(s => (string?)s["action"]));
        var folder = Directory.CreateTempSubdirectory("ec2-isolation-schema-").FullName;
        try
        {
            var samplesPath = Path.Combine(folder, "samples.json");
            await File.WriteAllTextAsync(samplesPath, new JsonArray([.. samples.Select(s => s.DeepClone())]).ToJsonString());

            var (exitCode, output) = await BootstrapProcess.RunAsync("python3", ["-c", ValidateScript, SchemaPath, samplesPath, DocumentPath], TimeSpan.FromMinutes(1));

            Assert.True(exitCode == 0, output);
            Assert.Contains("18 valid", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The result of a decision made in Slack and handed off (Approve or Deny), in a deployment whose tier asks.</summary>
    private static async Task<JsonNode> ApprovalDecisionAsync(string actionId)
    {
        var handOff = new FakeApprovalHandOff();
        var fixture = new ApprovalFixture(handOff: handOff);
        await fixture.HandleAsync(ApprovalFixture.Finding(5.5));
        await fixture.ClickAsync(actionId);
        return JsonNode.Parse((await fixture.HandleAsync(Assert.Single(handOff.HandedOff).ToEventJson())).ToJson())!;
    }

    /// <summary>A rule added to the quarantine group of the isolated <see cref="Chosen"/>'s VPC, and its tamper event handled.</summary>
    private async Task<JsonNode> QuarantineRuleAddedAsync()
    {
        var quarantine = _cloud.Groups.Single(g => g.Name == "ec2-isolation-quarantine");
        quarantine.Ingress.Add(new SecurityGroupRule("tcp", 22, 22, "0.0.0.0/0"));
        return await HandleEventAsync(SampleEvents.GroupRuleCall("AuthorizeSecurityGroupIngress", quarantine.GroupId, "tcp", 22, "0.0.0.0/0"));
    }

    /// <summary>
    /// argv: the schema, a JSON array of payloads, the markdown document whose ```json blocks with an invocation record
    /// of condition Success hold one more payload (detail.responsePayload). Prints "N valid" or the first error.
    /// </summary>
    private const string ValidateScript = """
        import json, re, sys
        import jsonschema

        def strict(node):
            if isinstance(node, dict):
                if "properties" in node:
                    node["additionalProperties"] = False
                for value in node.values():
                    strict(value)
            elif isinstance(node, list):
                for value in node:
                    strict(value)
            return node

        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(strict(schema))
        payloads = json.load(open(sys.argv[2]))
        for block in re.findall(r"```json\n(.*?)```", open(sys.argv[3]).read(), re.S):
            event = json.loads(block)
            detail = event.get("detail", {}) if isinstance(event, dict) else {}
            if detail.get("requestContext", {}).get("condition") == "Success":
                payloads.append(detail["responsePayload"])
        for payload in payloads:
            validator.validate(payload)
        print(f"{len(payloads)} valid")
        """;

    private Task<JsonNode> HandleAsync(string sample, string instanceId = InstanceId) => HandleEventAsync(SampleEvents.Load(sample, instanceId));

    private async Task<JsonNode> HandleEventAsync(string eventJson) =>
        JsonNode.Parse((await CreateSut().HandleAsync(eventJson, CancellationToken.None)).ToJson())!;

    /// <summary>The continuation queue's SQS event for the isolation in force on <paramref name="instanceId"/> (issue 17).</summary>
    private string ContinuationOf(string instanceId)
    {
        var record = _cloud.StoredRecord(instanceId)!;
        var body = new Continuation(instanceId, record.AccountId, FakeAccounts.Region, record.IncidentId).ToMessageBody();
        return new JsonObject
        {
            ["Records"] = new JsonArray(new JsonObject { ["messageId"] = "m-1", ["eventSource"] = "aws:sqs", ["body"] = body }),
        }.ToJsonString();
    }

    private static JsonNode Result(string kind, InstanceOutcome outcome) =>
        JsonNode.Parse(new EventResult(kind, "event-1", "123456789012", "eu-west-1", outcome.Outcome, outcome.Message, [outcome]).ToJson())!;

    private static List<string> Names(JsonNode node) => [.. node.AsObject().Select(property => property.Key)];

    private static List<string> Strings(JsonNode? array) => [.. array!.AsArray().Select(item => (string)item!)];

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"Expected {expected}\nActual {actual?.ToJsonString()}");
}
