using System.Text.Json;
using Ec2Isolation.Core.Events;
using Ec2Isolation.TestSupport;
using Moq;

namespace Ec2Isolation.Cli.Tests;

public sealed class InvokeCommandTests
{
    private readonly CliHarness _cli = new();

    [Fact]
    public async Task Invoke_EventFile_HandsItsTextToTheProcessorAndPrintsTheResultJson()
    {
        var path = SampleEvents.PathOf(SampleEvents.ScheduledSweep);
        _cli.Events.Setup(e => e.HandleAsync(File.ReadAllText(path), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new EventResult("sweep", "event-1", "123456789012", "us-east-1", "swept", "1 tagged instance(s), 1 isolated by this sweep.",
                [new InstanceOutcome(TestData.InstanceId, "isolated", "isolated") { IncidentId = "INC-1" }]));

        var run = await _cli.RunAsync($"invoke --event {path}");

        Assert.Equal(0, run.ExitCode);
        using var result = JsonDocument.Parse(run.Output);
        Assert.Equal("swept", result.RootElement.GetProperty("action").GetString());
        Assert.Equal("INC-1", result.RootElement.GetProperty("instances")[0].GetProperty("incidentId").GetString());
    }

    [Fact]
    public async Task Invoke_MalformedEvent_ExitCode2AndTheProcessorsMessage()
    {
        _cli.Events.Setup(e => e.HandleAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidEventException("The event is not valid JSON: end of data."));

        var run = await _cli.RunAsync($"invoke --event {SampleEvents.PathOf(SampleEvents.TagChange)}");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("error: The event is not valid JSON: end of data.", Assert.Single(run.ErrorLines));
    }

    [Fact]
    public async Task Invoke_MissingFile_ExitCode2NamingTheFileAndNoProcessorCall()
    {
        var run = await _cli.RunAsync("invoke --event /no/such/event.json");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("/no/such/event.json", run.Error, StringComparison.Ordinal);
        _cli.Events.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task Invoke_NoEventOption_ExitCode2()
    {
        var run = await _cli.RunAsync("invoke");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--event", run.Error, StringComparison.Ordinal);
    }
}
