using System.Text.Json;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Lambda.Runtime;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace Ec2Isolation.Lambda.Tests;

/// <summary>
/// A continuation's result (an SQS event source's invocation, which Lambda's destination does not carry) goes on the
/// result bus from the function, in the destination's invocation-record shape; other results do not.
/// </summary>
public sealed class ContinuationResultsTests
{
    private const string SqsEvent = """{"Records":[{"messageId":"m-1","eventSource":"aws:sqs","body":"{}"}]}""";

    private readonly Mock<IIsolationEventProcessor> _processor = new(MockBehavior.Strict);
    private readonly Mock<IResultBus> _bus = new();
    private readonly Mock<ILambdaRuntimeApi> _runtime = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 22, 0, 0, TimeSpan.Zero));

    private static EventResult Continued() => TestData.Isolated() with { EventKind = EventResult.ContinuationKind };

    private Task HandleAsync(EventResult result)
    {
        _processor.Setup(p => p.HandleAsync(SqsEvent, It.IsAny<CancellationToken>())).ReturnsAsync(result);
        return new LambdaFunction(_runtime.Object, _processor.Object, _time, NullLogger<LambdaFunction>.Instance, results: new ContinuationResults(_bus.Object, _time))
            .HandleAsync(new LambdaInvocation("r-1", SqsEvent, Deadline: null, LambdaRuntimeStandIn.FunctionArn, TraceId: null), CancellationToken.None);
    }

    [Fact]
    public async Task HandleAsync_ContinuationIsolated_ResultPutOnTheBusAsTheDestinationsInvocationRecordAndPosted()
    {
        string? detail = null;
        _bus.Setup(b => b.PutAsync(ContinuationResults.DetailType, It.IsAny<string>(), new[] { LambdaRuntimeStandIn.FunctionArn }, It.IsAny<CancellationToken>()))
            .Callback((string _, string json, IReadOnlyList<string> _, CancellationToken _) => detail = json)
            .Returns(Task.CompletedTask);

        await HandleAsync(Continued());

        var record = JsonDocument.Parse(detail!).RootElement;
        Assert.Equal("1.0", record.GetProperty("version").GetString());
        Assert.Equal("2026-12-07T22:00:00.000Z", record.GetProperty("timestamp").GetString());
        Assert.Equal(("r-1", "Success"), (record.GetProperty("requestContext").GetProperty("requestId").GetString(), record.GetProperty("requestContext").GetProperty("condition").GetString()));
        Assert.Equal("m-1", record.GetProperty("requestPayload").GetProperty("Records")[0].GetProperty("messageId").GetString());
        Assert.Equal(Continued().ToJson(), record.GetProperty("responsePayload").GetRawText());
        _runtime.Verify(r => r.SendResponseAsync("r-1", Continued().ToJson(), It.IsAny<CancellationToken>()));
    }

    [Fact]
    public async Task HandleAsync_TagChangeResult_NotPutLambdasDestinationCarriesIt()
    {
        await HandleAsync(TestData.Isolated());

        _bus.VerifyNoOtherCalls();
        _runtime.Verify(r => r.SendResponseAsync("r-1", TestData.Isolated().ToJson(), It.IsAny<CancellationToken>()));
    }

    [Fact]
    public async Task HandleAsync_BusRefusesTheResult_InvocationFailsSoTheQueueDeliversItAgain()
    {
        _bus.Setup(b => b.PutAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<IReadOnlyList<string>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("AccessDeniedException: events:PutEvents"));

        await HandleAsync(Continued());

        _runtime.Verify(r => r.SendErrorAsync("r-1", It.Is<LambdaError>(e => e.ErrorMessage.Contains("events:PutEvents", StringComparison.Ordinal)), It.IsAny<CancellationToken>()));
        _runtime.Verify(r => r.SendResponseAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }
}
