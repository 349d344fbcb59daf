using System.Text.Json;
using Ec2Isolation.Core;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Moq;

namespace Ec2Isolation.Cli.Tests;

public sealed class JsonOutputTests
{
    private readonly CliHarness _cli = new();

    /// <summary>Parsing fails unless standard output holds exactly one JSON value; that value must be an object.</summary>
    private static JsonElement SingleObject(CliRun run)
    {
        using var document = JsonDocument.Parse(run.Output);
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        return document.RootElement.Clone();
    }

    [Fact]
    public async Task Isolate_Json_WritesOneObjectWithOutcomeMessageAndRecord()
    {
        _cli.Service.Setup(s => s.IsolateAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(TestData.Isolated());

        var run = await _cli.RunAsync($"isolate {TestData.InstanceId} --output json");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        var json = SingleObject(run);
        Assert.Equal("Isolated", json.GetProperty("outcome").GetString());
        Assert.Equal($"{TestData.InstanceId} is isolated.", json.GetProperty("message").GetString());
        var record = json.GetProperty("record");
        Assert.Equal(TestData.InstanceId, record.GetProperty("instanceId").GetString());
        Assert.Equal("Isolated", record.GetProperty("status").GetString());
        Assert.Equal("sg-quarantine", record.GetProperty("artifacts").GetProperty("quarantineGroupId").GetString());
        Assert.Equal("sg-ssh", record.GetProperty("original").GetProperty("networkInterfaces")[0].GetProperty("groupIds")[1].GetString());
        Assert.False(record.TryGetProperty("lastError", out _));
    }

    [Fact]
    public async Task IsolateDryRun_Json_WritesThePlanWithPermissionsAsNames()
    {
        _cli.Service.Setup(s => s.PlanIsolationAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(TestData.Plan());

        var run = await _cli.RunAsync($"-o json isolate {TestData.InstanceId} --dry-run");

        var plan = SingleObject(run).GetProperty("plan");
        Assert.Equal("isolate", plan.GetProperty("action").GetString());
        Assert.Equal(2, plan.GetProperty("calls").GetArrayLength());
        Assert.Equal("ec2:ModifyNetworkInterfaceAttribute", plan.GetProperty("calls")[0].GetProperty("api").GetString());
        Assert.Equal("Allowed", plan.GetProperty("calls")[0].GetProperty("permission").GetString());
        Assert.Equal("NotCheckable", plan.GetProperty("calls")[1].GetProperty("permission").GetString());
    }

    [Fact]
    public async Task Status_JsonNeverIsolated_WritesInstanceAndMessageWithoutRecord()
    {
        _cli.Service.Setup(s => s.GetStatusAsync(TestData.InstanceId, It.IsAny<CancellationToken>())).ReturnsAsync((IsolationRecord?)null);

        var run = await _cli.RunAsync($"status {TestData.InstanceId} --output json");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        var json = SingleObject(run);
        Assert.Equal(TestData.InstanceId, json.GetProperty("instanceId").GetString());
        Assert.Contains("not isolated", json.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(json.TryGetProperty("record", out _));
    }

    [Fact]
    public async Task StatusList_Json_WritesEveryRecord()
    {
        _cli.Service.Setup(s => s.ListAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync([TestData.Record(), TestData.Record(TestData.OtherInstanceId)]);

        var run = await _cli.RunAsync("status --output json");

        var records = SingleObject(run).GetProperty("records");
        Assert.Equal([TestData.InstanceId, TestData.OtherInstanceId], records.EnumerateArray().Select(r => r.GetProperty("instanceId").GetString()));
    }

    [Fact]
    public async Task Isolate_JsonBusy_WritesTheErrorObjectAndTheMessageOnStandardError()
    {
        _cli.Service.Setup(s => s.IsolateAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new IsolationBusyException("Another run holds the record."));

        var run = await _cli.RunAsync($"isolate {TestData.InstanceId} --output json");

        Assert.Equal(ExitCodes.Busy, run.ExitCode);
        var error = SingleObject(run).GetProperty("error");
        Assert.Equal(3, error.GetProperty("code").GetInt32());
        Assert.Equal("Another run holds the record.", error.GetProperty("message").GetString());
        Assert.False(error.TryGetProperty("failedStep", out _));
        Assert.Equal("error: Another run holds the record.", Assert.Single(run.ErrorLines));
    }

    [Fact]
    public async Task Isolate_JsonStepFailed_NamesTheFailedStep()
    {
        _cli.Service.Setup(s => s.IsolateAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new IsolationFailedException("Isolation failed at step 'snapshots'.", "snapshots", new TimeoutException()));

        var run = await _cli.RunAsync($"isolate {TestData.InstanceId} --output json");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        var error = SingleObject(run).GetProperty("error");
        Assert.Equal(1, error.GetProperty("code").GetInt32());
        Assert.Equal("snapshots", error.GetProperty("failedStep").GetString());
    }

    [Fact]
    public async Task Isolate_JsonIncomplete_ExitCode1AndEveryFailedStepWithItsError()
    {
        var failedSteps = new Dictionary<string, string>
        {
            ["credential-revocation"] = "AccessDenied: explicit deny",
            ["target-deregistration"] = "Throttling: Rate exceeded",
        };
        _cli.Service.Setup(s => s.IsolateAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new IsolationFailedException("Isolation is incomplete.", "credential-revocation", new TimeoutException()) { FailedSteps = failedSteps });

        var run = await _cli.RunAsync($"isolate {TestData.InstanceId} --output json");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        var listed = SingleObject(run).GetProperty("error").GetProperty("failedSteps");
        Assert.Equal(failedSteps, listed.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));
    }

    [Fact]
    public async Task ParseError_Json_WritesTheErrorObject()
    {
        var run = await _cli.RunAsync("isolate --output json");

        Assert.Equal(ExitCodes.InvalidRequest, run.ExitCode);
        Assert.Equal(2, SingleObject(run).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Null(_cli.Context);
    }
}
