using Ec2Isolation.Aws.Organizations;
using Ec2Isolation.Core.Approvals;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ec2Isolation.Aws.Lambda;

/// <summary>
/// Hands a decision to an asynchronous invocation of the function itself: Lambda's Invoke over its REST-JSON API (no
/// Lambda SDK package here), <c>POST /2015-03-31/functions/{FunctionName}/invocations</c> with
/// <c>X-Amz-Invocation-Type: Event</c>, signed for <c>lambda</c>; Lambda queues the event and answers 202
/// (https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html). What it refuses: a payload over the asynchronous
/// limit (256 KB, 1 MB since 2025: RequestTooLargeException, 413; ours is under 1 KB), throttling
/// (TooManyRequestsException, 429, retried with backoff within <see cref="ApprovalService.HandOffTimeout"/>), a
/// missing permission (AccessDeniedException) or function (ResourceNotFoundException). An event may be delivered more
/// than once (same page): the processor acts on each decision once. The function's own result goes to its on-success
/// destination, the result bus, like any other invocation's.
/// </summary>
public sealed class LambdaApprovalHandOff(AwsJsonClient lambda, string functionName) : IApprovalHandOff
{
    /// <summary>The signing name and endpoint prefix (<c>lambda.{region}.amazonaws.com</c>).</summary>
    public const string ServiceName = "lambda";

    /// <summary>Set by Lambda in every function's environment: the function's own name.</summary>
    public const string FunctionNameVariable = "AWS_LAMBDA_FUNCTION_NAME";

    /// <summary>
    /// The hand-off to <paramref name="functionName"/> with the deployment's own credentials. The endpoint is
    /// AWS_ENDPOINT_URL_LAMBDA when set (a service's own variable comes before the general one, as in the AWS SDKs),
    /// else the connection's.
    /// </summary>
    public static LambdaApprovalHandOff Create(AwsClientFactory clients, string functionName, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(clients);
        var endpoint = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_LAMBDA") is { Length: > 0 } own
            ? new Uri(own)
            : clients.ResolveQueryEndpoint(ServiceName, "LAMBDA");
        var client = AwsJsonClient.ForRestJson(
            clients.CreateSignedHttpClient(ServiceName), endpoint, time, new Dictionary<string, string> { ["X-Amz-Invocation-Type"] = "Event" });
        return new LambdaApprovalHandOff(client, functionName);
    }

    public async Task HandOffAsync(ApprovalHandOff handOff, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handOff);
        using var answer = await lambda.SendAsync($"2015-03-31/functions/{Uri.EscapeDataString(functionName)}/invocations", handOff.WriteMembers, cancellationToken);
    }
}

/// <summary>The Lambda's registration of <see cref="LambdaApprovalHandOff"/>.</summary>
public static class ApprovalHandOffRegistration
{
    /// <summary>
    /// The hand-off of decisions made through Slack's URL to an asynchronous invocation of the function
    /// <paramref name="functionName"/> (AWS_LAMBDA_FUNCTION_NAME, which Lambda sets); nothing without one. The CLI
    /// registers none: its <c>approve</c> isolates in the same run.
    /// </summary>
    public static IServiceCollection AddApprovalHandOff(this IServiceCollection services, string? functionName)
    {
        if (functionName is { Length: > 0 })
        {
            services.TryAddSingleton<IApprovalHandOff>(provider => LambdaApprovalHandOff.Create(
                provider.GetRequiredService<AwsClientFactory>(), functionName, provider.GetRequiredService<TimeProvider>()));
        }

        return services;
    }
}
