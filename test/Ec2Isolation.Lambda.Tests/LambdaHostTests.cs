using System.Text;
using System.Text.Json;
using Ec2Isolation.Core;
using Ec2Isolation.Core.Events;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Moq;

namespace Ec2Isolation.Lambda.Tests;

/// <summary>Start-up in process: configuration, the shared composition root, JSON logs, the loop.</summary>
[Collection(LoopTests.Name)]
public sealed class LambdaHostTests : IAsyncLifetime, IDisposable
{
    private readonly MemoryStream _logs = new();
    private readonly RuntimeHarness _runtime = new();

    private LambdaRuntimeStandIn StandIn => _runtime.StandIn;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _runtime.DisposeAsync().AsTask();

    public void Dispose() => _logs.Dispose();

    [Theory]
    [InlineData(null, LogLevel.Information)]
    [InlineData("DEBUG", LogLevel.Debug)]
    [InlineData("warn", LogLevel.Warning)]
    [InlineData("FATAL", LogLevel.Critical)]
    [InlineData("LOUD", LogLevel.Information)]
    public void MinimumLevel_LambdaLogLevel_MapsToTheLoggingLevel(string? value, LogLevel expected) =>
        Assert.Equal(expected, LambdaHost.MinimumLevel(name => name == "AWS_LAMBDA_LOG_LEVEL" ? value : null));

    [Fact]
    public async Task RunAsync_TableNotConfigured_PostsInitErrorAndReturnsInitFailed()
    {
        var exitCode = await RunAsync(new() { ["AWS_REGION"] = "us-east-1" }, CancellationToken.None);

        Assert.Equal(LambdaHost.InitFailed, exitCode);
        var initError = await StandIn.WaitForInitErrorAsync();
        Assert.Equal(nameof(InvalidRequestException), initError.ErrorTypeHeader);
        Assert.Contains("EC2ISOLATION_TABLE", JsonDocument.Parse(initError.Body).RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
        var logged = Assert.Single(TestData.JsonLines(Encoding.UTF8.GetString(_logs.ToArray())));
        Assert.Equal("Critical", logged.GetProperty("level").GetString());
    }

    [Fact]
    public async Task RunAsync_RegionNotConfigured_PostsInitError()
    {
        var exitCode = await RunAsync(new() { ["EC2ISOLATION_TABLE"] = "isolation" }, CancellationToken.None);

        Assert.Equal(LambdaHost.InitFailed, exitCode);
        Assert.Contains("AWS_REGION", (await StandIn.WaitForInitErrorAsync()).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_Configured_ServesEventsAndLogsJsonWithRequestId()
    {
        var processor = new Mock<IIsolationEventProcessor>();
        processor.Setup(p => p.HandleAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(TestData.Isolated());
        using var stopping = new CancellationTokenSource();
        var host = RunAsync(new() { ["AWS_REGION"] = "us-east-1", ["EC2ISOLATION_TABLE"] = "isolation" }, stopping.Token, processor.Object);

        var requestId = StandIn.Enqueue(TestData.TagEvent);
        var outcome = await StandIn.WaitForOutcomeAsync(requestId);
        await stopping.CancelAsync();

        Assert.Equal(0, await host.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(TestData.Isolated().ToJson(), outcome.Body);
        var lines = TestData.JsonLines(Encoding.UTF8.GetString(_logs.ToArray()));
        Assert.NotEmpty(lines);
        Assert.All(lines, line => Assert.Equal(requestId, line.GetProperty("requestId").GetString()));
    }

    /// <summary>
    /// The Runtime API's 500 means "Container error. Non-recoverable state. Runtime should exit promptly."
    /// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html, runtime-api.zip): the host ends with
    /// <see cref="LambdaHost.RuntimeApiFailed"/> instead of asking for the next event.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_ResultAnswered500_ExitsWithoutTakingTheNextEvent(bool processorFails)
    {
        var processor = new Mock<IIsolationEventProcessor>();
        var handling = processor.Setup(p => p.HandleAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()));
        if (processorFails)
        {
            handling.ThrowsAsync(new InvalidOperationException("The step failed"));
        }
        else
        {
            handling.ReturnsAsync(TestData.Isolated());
        }

        StandIn.OutcomeStatus = System.Net.HttpStatusCode.InternalServerError;
        var first = StandIn.Enqueue(TestData.TagEvent);
        StandIn.Enqueue(TestData.TagEvent);

        var exitCode = await RunAsync(new() { ["AWS_REGION"] = "us-east-1", ["EC2ISOLATION_TABLE"] = "isolation" }, CancellationToken.None, processor.Object)
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(LambdaHost.RuntimeApiFailed, exitCode);
        Assert.Equal(processorFails, (await StandIn.WaitForOutcomeAsync(first)).IsError);
        Assert.Equal(1, StandIn.DeliveredCount);
    }

    private Task<int> RunAsync(Dictionary<string, string> environment, CancellationToken stoppingToken, IIsolationEventProcessor? processor = null) =>
        LambdaHost.RunAsync(
            _runtime.Client,
            name => environment.GetValueOrDefault(name),
            _logs,
            TimeProvider.System,
            stoppingToken,
            processor is null ? null : services => services.AddSingleton(processor));
}
