using System.Net;

namespace Ec2Isolation.Lambda.Runtime;

/// <summary>
/// The Lambda Runtime API (2018-06-01) as the function loop uses it: small enough that Amazon.Lambda.RuntimeSupport
/// could stand behind it instead, should it become obtainable.
/// </summary>
public interface ILambdaRuntimeApi
{
    /// <summary>Waits, without a timeout, for the next event (<c>GET /runtime/invocation/next</c>).</summary>
    Task<LambdaInvocation> NextInvocationAsync(CancellationToken cancellationToken);

    /// <summary>The function's result for one invocation (<c>POST /runtime/invocation/{id}/response</c>).</summary>
    Task SendResponseAsync(string requestId, string responseJson, CancellationToken cancellationToken);

    /// <summary>The function's error for one invocation (<c>POST /runtime/invocation/{id}/error</c>).</summary>
    Task SendErrorAsync(string requestId, LambdaError lambdaError, CancellationToken cancellationToken);

    /// <summary>A start-up failure (<c>POST /runtime/init/error</c>); the process exits after it.</summary>
    Task SendInitErrorAsync(LambdaError lambdaError, CancellationToken cancellationToken);
}

/// <summary>One event to handle, with the headers of <c>/invocation/next</c> that matter here.</summary>
/// <param name="Deadline">From Lambda-Runtime-Deadline-Ms; null when the runtime sent none.</param>
public sealed record LambdaInvocation(string RequestId, string Body, DateTimeOffset? Deadline, string? InvokedFunctionArn, string? TraceId);

/// <summary>What Lambda records for a failed invocation: the exception's type name and message, never a stack trace.</summary>
public sealed record LambdaError(string ErrorType, string ErrorMessage)
{
    public static LambdaError From(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new(exception.GetType().Name, exception.Message);
    }
}

/// <summary>The Runtime API answered something other than what the protocol promises.</summary>
/// <param name="status">The HTTP status it answered, when it answered one.</param>
public sealed class LambdaRuntimeApiException(string message, HttpStatusCode? status = null) : Exception(message)
{
    public HttpStatusCode? Status { get; } = status;

    /// <summary>
    /// A 500: "Container error. Non-recoverable state. Runtime should exit promptly." (the Runtime API's OpenAPI
    /// specification, for /next, /response, /error and /init/error: https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html,
    /// runtime-api.zip). The process must end rather than ask for the next event.
    /// </summary>
    public bool IsContainerError => Status == HttpStatusCode.InternalServerError;
}
