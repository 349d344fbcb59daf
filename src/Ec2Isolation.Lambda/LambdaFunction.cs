using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Lambda.Runtime;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Lambda;

/// <summary>
/// The invocation loop: take the next event, hand it to the event processor with a token that cancels
/// <see cref="DeadlineMargin"/> before the invocation's deadline, post its result or its error, and go on with the
/// next event whatever happened to this one, unless the Runtime API answered a container error (500): then the loop
/// ends with that error and the process exits (<see cref="LambdaRuntimeApiException.IsContainerError"/>). The deadline
/// also bounds every record lease the invocation takes (<paramref name="deadline"/>), so that a run Lambda kills at its
/// timeout never makes the retry find the record busy. A continuation's result also goes on the result bus
/// (<paramref name="results"/>): Lambda's destination does not carry it; when that fails, the invocation fails and the
/// queue delivers the continuation again.
/// </summary>
public sealed partial class LambdaFunction(
    ILambdaRuntimeApi runtime, IIsolationEventProcessor processor, TimeProvider time, ILogger<LambdaFunction> logger, InvocationDeadline? deadline = null,
    SlackInteractionEndpoint? slack = null, ContinuationResults? results = null)
{
    /// <summary>Time left to record a failure and post the error before Lambda ends the invocation.</summary>
    public static readonly TimeSpan DeadlineMargin = TimeSpan.FromSeconds(3);

    /// <summary>Where the X-Ray trace id of the current invocation goes, as the official runtimes do.</summary>
    public const string TraceIdVariable = "_X_AMZN_TRACE_ID";

    /// <summary>Serves invocations until <paramref name="stoppingToken"/> is cancelled (tests; Lambda just ends the process).</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                var invocation = await runtime.NextInvocationAsync(stoppingToken);
                await HandleAsync(invocation, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Handles one invocation; never throws for the function's own failures, only for the caller's cancellation and for
    /// a container error in answer to the post, after which the Runtime API must not be asked for another event.
    /// </summary>
    public async Task HandleAsync(LambdaInvocation invocation, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        Environment.SetEnvironmentVariable(TraceIdVariable, invocation.TraceId);
        // Every line logged during the invocation carries its request id (camelCase, as Lambda's own JSON logs).
        using var scope = logger.BeginScope(new[] { new KeyValuePair<string, object?>("requestId", invocation.RequestId) });
        if (deadline is not null)
        {
            deadline.Current = invocation.Deadline;
        }

        using var timeout = new CancellationTokenSource(TimeLeft(invocation.Deadline), time);
        using var token = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stoppingToken);
        LogReceived(invocation.InvokedFunctionArn);

        Task posted;
        try
        {
            if (FunctionUrlEvent.TryParse(invocation.Body) is { } request)
            {
                // Slack's clicks through the function URL; everything else is an EventBridge event.
                var answer = slack is null
                    ? new HttpAnswer(404, "Approvals are not configured here (EC2ISOLATION_SLACK_SIGNING_SECRET_PARAMETER, EC2ISOLATION_APPROVERS).")
                    : await slack.HandleAsync(request, token.Token);
                LogAnswered(answer.StatusCode);
                posted = runtime.SendResponseAsync(invocation.RequestId, FunctionUrlEvent.Response(answer), stoppingToken);
            }
            else
            {
                var result = await processor.HandleAsync(invocation.Body, token.Token);
                LogHandled(result.EventKind, result.Action);
                if (results is not null)
                {
                    await results.PutAsync(invocation, result, token.Token);
                }

                posted = runtime.SendResponseAsync(invocation.RequestId, result.ToJson(), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            var error = LambdaError.From(e);
            if (timeout.IsCancellationRequested)
            {
                LogDeadline(DeadlineMargin.TotalSeconds);
            }

            LogFailed(error.ErrorType, error.ErrorMessage, e);
            posted = runtime.SendErrorAsync(invocation.RequestId, error, stoppingToken);
        }

        try
        {
            await posted;
        }
        catch (Exception e) when (e is HttpRequestException or LambdaRuntimeApiException { IsContainerError: false })
        {
            LogNotPosted(e);
        }
    }

    /// <summary>Until the margin before the deadline; zero when that has passed; no limit without a deadline.</summary>
    private TimeSpan TimeLeft(DateTimeOffset? deadline)
    {
        if (deadline is not { } end)
        {
            return Timeout.InfiniteTimeSpan;
        }

        var left = end - DeadlineMargin - time.GetUtcNow();
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    [LoggerMessage(3000, LogLevel.Information, "Invocation received for {FunctionArn}")]
    private partial void LogReceived(string? functionArn);

    [LoggerMessage(3001, LogLevel.Information, "Handled a {EventKind} event: {Action}")]
    private partial void LogHandled(string eventKind, string action);

    [LoggerMessage(3005, LogLevel.Information, "Answered a request to the function URL with {StatusCode}")]
    private partial void LogAnswered(int statusCode);

    [LoggerMessage(3002, LogLevel.Error, "Invocation failed with {ErrorType}: {ErrorMessage}")]
    private partial void LogFailed(string errorType, string errorMessage, Exception exception);

    [LoggerMessage(3003, LogLevel.Warning, "Cancelled {MarginSeconds} s before the invocation's deadline")]
    private partial void LogDeadline(double marginSeconds);

    [LoggerMessage(3004, LogLevel.Error, "Could not post the invocation's result to the Runtime API")]
    private partial void LogNotPosted(Exception exception);
}
