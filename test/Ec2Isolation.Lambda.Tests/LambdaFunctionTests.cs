using System.Text.Json;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Lambda.Runtime;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace Ec2Isolation.Lambda.Tests;

/// <summary>The loop over the real Runtime API client and the stand-in, with a fake event processor.</summary>
[Collection(LoopTests.Name)]
public sealed class LambdaFunctionTests : IAsyncLifetime, IDisposable
{
    private readonly Mock<IIsolationEventProcessor> _processor = new(MockBehavior.Strict);
    private readonly CancellationTokenSource _stopping = new();
    private readonly RuntimeHarness _runtime = new();
    private Task _loop = Task.CompletedTask;

    private LambdaRuntimeStandIn StandIn => _runtime.StandIn;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop.WaitAsync(TimeSpan.FromSeconds(10));
        await _runtime.DisposeAsync();
    }

    public void Dispose() => _stopping.Dispose();

    [Fact]
    public async Task RunAsync_ProcessorSucceeds_PostsResultJson()
    {
        _processor.Setup(p => p.HandleAsync(TestData.TagEvent, It.IsAny<CancellationToken>())).ReturnsAsync(TestData.Isolated());
        StartLoop();

        var outcome = await StandIn.WaitForOutcomeAsync(StandIn.Enqueue(TestData.TagEvent));

        Assert.False(outcome.IsError);
        Assert.Equal(TestData.Isolated().ToJson(), outcome.Body);
        Assert.StartsWith("""{"schemaVersion":"1",""", outcome.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ProcessorThrows_PostsErrorWithTypeAndMessage()
    {
        _processor.Setup(p => p.HandleAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidEventException("Malformed JSON: 'x' is an invalid start of a value."));
        StartLoop();

        var outcome = await StandIn.WaitForOutcomeAsync(StandIn.Enqueue("x"));

        Assert.True(outcome.IsError);
        Assert.Equal(nameof(InvalidEventException), outcome.ErrorTypeHeader);
        var error = JsonDocument.Parse(outcome.Body).RootElement;
        Assert.Equal(nameof(InvalidEventException), error.GetProperty("errorType").GetString());
        Assert.Equal("Malformed JSON: 'x' is an invalid start of a value.", error.GetProperty("errorMessage").GetString());
        Assert.Equal(0, error.GetProperty("stackTrace").GetArrayLength());
    }

    [Fact]
    public async Task RunAsync_AfterAnError_ServesTheNextInvocation()
    {
        _processor.Setup(p => p.HandleAsync("bad", It.IsAny<CancellationToken>())).ThrowsAsync(new InvalidOperationException("The step failed"));
        _processor.Setup(p => p.HandleAsync(TestData.TagEvent, It.IsAny<CancellationToken>())).ReturnsAsync(TestData.Isolated());
        StartLoop();

        var failed = await StandIn.WaitForOutcomeAsync(StandIn.Enqueue("bad"));
        var served = await StandIn.WaitForOutcomeAsync(StandIn.Enqueue(TestData.TagEvent));

        Assert.Equal((true, nameof(InvalidOperationException)), (failed.IsError, failed.ErrorTypeHeader));
        Assert.False(served.IsError);
    }

    [Fact]
    public async Task RunAsync_TraceHeader_SetsAmznTraceIdForTheInvocation()
    {
        string? seen = null;
        _processor.Setup(p => p.HandleAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback(() => seen = Environment.GetEnvironmentVariable(LambdaFunction.TraceIdVariable))
            .ReturnsAsync(TestData.Isolated());
        StartLoop();

        await StandIn.WaitForOutcomeAsync(StandIn.Enqueue(TestData.TagEvent, traceId: "Root=1-abc;Sampled=0"));

        Assert.Equal("Root=1-abc;Sampled=0", seen);
    }

    [Fact]
    public async Task HandleAsync_DeadlineApproaches_TokenCancelledMarginBeforeDeadline()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var deadline = time.GetUtcNow().AddSeconds(10);
        DateTimeOffset? cancelledAt = null;
        _processor.Setup(p => p.HandleAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Returns(async (string _, CancellationToken token) =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                    return TestData.Isolated();
                }
                catch (OperationCanceledException)
                {
                    cancelledAt = time.GetUtcNow();
                    throw;
                }
            });
        var runtime = new Mock<ILambdaRuntimeApi>();
        var handling = CreateSut(runtime.Object, time).HandleAsync(Invocation(deadline), CancellationToken.None);

        time.Advance(TimeSpan.FromSeconds(6.9));
        Assert.Null(cancelledAt);
        time.Advance(TimeSpan.FromSeconds(0.2));
        await handling.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(deadline - LambdaFunction.DeadlineMargin + TimeSpan.FromSeconds(0.1), cancelledAt);
        runtime.Verify(r => r.SendErrorAsync("r-1", It.Is<LambdaError>(e => e.ErrorType == nameof(TaskCanceledException)), It.IsAny<CancellationToken>()));
        runtime.Verify(r => r.SendResponseAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task HandleAsync_DeadlineWithinMargin_TokenAlreadyCancelled()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        bool? cancelled = null;
        _processor.Setup(p => p.HandleAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback((string _, CancellationToken token) => cancelled = token.IsCancellationRequested)
            .ReturnsAsync(TestData.Isolated());

        await CreateSut(new Mock<ILambdaRuntimeApi>().Object, time).HandleAsync(Invocation(time.GetUtcNow().AddSeconds(1)), CancellationToken.None);

        Assert.True(cancelled);
    }

    [Fact]
    public async Task HandleAsync_RuntimeRefusesTheResponse_DoesNotThrow()
    {
        _processor.Setup(p => p.HandleAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(TestData.Isolated());
        var runtime = new Mock<ILambdaRuntimeApi>();
        runtime.Setup(r => r.SendResponseAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new LambdaRuntimeApiException("413 RequestEntityTooLarge"));

        await CreateSut(runtime.Object, TimeProvider.System).HandleAsync(Invocation(deadline: null), CancellationToken.None);

        runtime.Verify(r => r.SendResponseAsync("r-1", It.IsAny<string>(), It.IsAny<CancellationToken>()));
    }

    [Fact]
    public async Task HandleAsync_RuntimeAnswersContainerError_Throws()
    {
        _processor.Setup(p => p.HandleAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(TestData.Isolated());
        var runtime = new Mock<ILambdaRuntimeApi>();
        runtime.Setup(r => r.SendResponseAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new LambdaRuntimeApiException("500 InternalServerError", System.Net.HttpStatusCode.InternalServerError));

        var error = await Assert.ThrowsAsync<LambdaRuntimeApiException>(
            () => CreateSut(runtime.Object, TimeProvider.System).HandleAsync(Invocation(deadline: null), CancellationToken.None));

        Assert.True(error.IsContainerError);
    }

    private LambdaFunction CreateSut(ILambdaRuntimeApi runtime, TimeProvider time) =>
        new(runtime, _processor.Object, time, NullLogger<LambdaFunction>.Instance);

    private static LambdaInvocation Invocation(DateTimeOffset? deadline) => new("r-1", TestData.TagEvent, deadline, LambdaRuntimeStandIn.FunctionArn, null);

    private void StartLoop() => _loop = CreateSut(_runtime.Client, TimeProvider.System).RunAsync(_stopping.Token);
}
