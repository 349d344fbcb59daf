using System.Net;
using System.Text.Json;
using Ec2Isolation.Lambda.Runtime;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Lambda.Tests;

public sealed class RuntimeApiClientTests
{
    [Fact]
    public async Task NextInvocationAsync_EventQueued_ReturnsBodyAndHeaders()
    {
        await using var runtime = new RuntimeHarness();
        var requestId = runtime.StandIn.Enqueue(TestData.TagEvent, TimeSpan.FromSeconds(30), traceId: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1");

        var invocation = await runtime.Client.NextInvocationAsync(CancellationToken.None);

        Assert.Equal(requestId, invocation.RequestId);
        Assert.Equal(TestData.TagEvent, invocation.Body);
        Assert.Equal(LambdaRuntimeStandIn.FunctionArn, invocation.InvokedFunctionArn);
        Assert.Equal("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1", invocation.TraceId);
        Assert.InRange(invocation.Deadline!.Value - TimeProvider.System.GetUtcNow(), TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task NextInvocationAsync_NoEventYet_WaitsUntilOneIsQueued()
    {
        await using var runtime = new RuntimeHarness();
        var next = runtime.Client.NextInvocationAsync(CancellationToken.None);
        await Task.Delay(300);
        Assert.False(next.IsCompleted);

        var requestId = runtime.StandIn.Enqueue(TestData.TagEvent);

        Assert.Equal(requestId, (await next.WaitAsync(TimeSpan.FromSeconds(10))).RequestId);
    }

    [Fact]
    public async Task NextInvocationAsync_Cancelled_Throws()
    {
        await using var runtime = new RuntimeHarness();
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runtime.Client.NextInvocationAsync(cancellation.Token));
    }

    [Fact]
    public async Task SendResponseAsync_TwoInvocations_EachBodyGoesToItsRequestId()
    {
        await using var runtime = new RuntimeHarness();
        var first = runtime.StandIn.Enqueue("{\"n\":1}");
        var second = runtime.StandIn.Enqueue("{\"n\":2}");
        var one = await runtime.Client.NextInvocationAsync(CancellationToken.None);
        var two = await runtime.Client.NextInvocationAsync(CancellationToken.None);

        await runtime.Client.SendResponseAsync(two.RequestId, "{\"answer\":2}", CancellationToken.None);
        await runtime.Client.SendResponseAsync(one.RequestId, "{\"answer\":1}", CancellationToken.None);

        var firstOutcome = await runtime.StandIn.WaitForOutcomeAsync(first);
        var secondOutcome = await runtime.StandIn.WaitForOutcomeAsync(second);
        Assert.Equal(("{\"answer\":1}", false), (firstOutcome.Body, firstOutcome.IsError));
        Assert.Equal(("{\"answer\":2}", false), (secondOutcome.Body, secondOutcome.IsError));
        Assert.StartsWith("application/json", firstOutcome.Headers["Content-Type"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendErrorAsync_AfterNext_PostsErrorDocumentAndTypeHeader()
    {
        await using var runtime = new RuntimeHarness();
        var requestId = runtime.StandIn.Enqueue(TestData.TagEvent);
        await runtime.Client.NextInvocationAsync(CancellationToken.None);

        await runtime.Client.SendErrorAsync(requestId, new LambdaError("InvalidEventException", "Not an \"event\""), CancellationToken.None);

        var outcome = await runtime.StandIn.WaitForOutcomeAsync(requestId);
        Assert.True(outcome.IsError);
        Assert.Equal("InvalidEventException", outcome.ErrorTypeHeader);
        AssertErrorDocument(outcome.Body, "InvalidEventException", "Not an \"event\"");
    }

    [Fact]
    public async Task SendInitErrorAsync_Always_PostsErrorDocumentAndTypeHeader()
    {
        await using var runtime = new RuntimeHarness();
        await runtime.Client.SendInitErrorAsync(new LambdaError("InvalidRequestException", "EC2ISOLATION_TABLE is not set"), CancellationToken.None);

        var outcome = await runtime.StandIn.WaitForInitErrorAsync();
        Assert.Equal("InvalidRequestException", outcome.ErrorTypeHeader);
        AssertErrorDocument(outcome.Body, "InvalidRequestException", "EC2ISOLATION_TABLE is not set");
    }

    [Fact]
    public async Task SendResponseAsync_RequestIdNeverDelivered_ThrowsRuntimeApiException()
    {
        await using var runtime = new RuntimeHarness();
        var error = await Assert.ThrowsAsync<LambdaRuntimeApiException>(
            () => runtime.Client.SendResponseAsync("not-delivered", "{}", CancellationToken.None));

        Assert.Contains("404", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendResponseAsync_SecondOutcomeForOneRequest_ThrowsRuntimeApiException()
    {
        await using var runtime = new RuntimeHarness();
        var requestId = runtime.StandIn.Enqueue(TestData.TagEvent);
        await runtime.Client.NextInvocationAsync(CancellationToken.None);
        await runtime.Client.SendResponseAsync(requestId, "{}", CancellationToken.None);

        await Assert.ThrowsAsync<LambdaRuntimeApiException>(
            () => runtime.Client.SendErrorAsync(requestId, new LambdaError("X", "late"), CancellationToken.None));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PostAsync_RuntimeAnswers500_ThrowsContainerError(bool postError)
    {
        await using var runtime = new RuntimeHarness();
        runtime.StandIn.OutcomeStatus = HttpStatusCode.InternalServerError;
        var requestId = runtime.StandIn.Enqueue(TestData.TagEvent);
        await runtime.Client.NextInvocationAsync(CancellationToken.None);

        var error = await Assert.ThrowsAsync<LambdaRuntimeApiException>(() => postError
            ? runtime.Client.SendErrorAsync(requestId, new LambdaError("X", "failed"), CancellationToken.None)
            : runtime.Client.SendResponseAsync(requestId, "{}", CancellationToken.None));

        Assert.True(error.IsContainerError);
    }

    [Fact]
    public async Task SendResponseAsync_RuntimeAnswers400_IsNoContainerError()
    {
        await using var runtime = new RuntimeHarness();
        var error = await Assert.ThrowsAsync<LambdaRuntimeApiException>(
            () => runtime.Client.SendResponseAsync("not-delivered", "{}", CancellationToken.None));

        Assert.False(error.IsContainerError);
    }

    private static void AssertErrorDocument(string body, string errorType, string errorMessage)
    {
        var document = JsonDocument.Parse(body).RootElement;
        Assert.Equal(errorType, document.GetProperty("errorType").GetString());
        Assert.Equal(errorMessage, document.GetProperty("errorMessage").GetString());
        Assert.Equal(0, document.GetProperty("stackTrace").GetArrayLength());
    }
}
