using Ec2Isolation.Core.Accounts;

namespace Ec2Isolation.Lambda.Runtime;

/// <summary>
/// The function's own account, read from the ARN each invocation is for (Lambda-Runtime-Invoked-Function-Arn): known
/// before the event is handled without a call, so that containment waits for no STS round trip. Asks
/// <paramref name="fallback"/> (STS) only when the runtime sent no ARN; builds it only then (its credentials with it).
/// </summary>
public sealed class InvokedFunctionAccount(Func<IAccountIdentity> fallback) : IAccountIdentity
{
    private volatile string? _accountId;

    public Task<string> GetAccountIdAsync(CancellationToken cancellationToken) =>
        _accountId is { } accountId ? Task.FromResult(accountId) : fallback().GetAccountIdAsync(cancellationToken);

    /// <summary>The runtime API, noting the account of each invocation it hands out.</summary>
    public ILambdaRuntimeApi Observe(ILambdaRuntimeApi runtime) => new Observing(runtime, this);

    /// <summary>arn:{partition}:lambda:{region}:{account}:function:{name}[:{qualifier}].</summary>
    internal void OnInvocation(string? functionArn)
    {
        if (functionArn?.Split(':') is ["arn", _, "lambda", _, var account, "function", ..] && AccountSettings.IsAccountId(account))
        {
            _accountId = account;
        }
    }

    private sealed class Observing(ILambdaRuntimeApi runtime, InvokedFunctionAccount account) : ILambdaRuntimeApi
    {
        public async Task<LambdaInvocation> NextInvocationAsync(CancellationToken cancellationToken)
        {
            var invocation = await runtime.NextInvocationAsync(cancellationToken);
            account.OnInvocation(invocation.InvokedFunctionArn);
            return invocation;
        }

        public Task SendResponseAsync(string requestId, string responseJson, CancellationToken cancellationToken) =>
            runtime.SendResponseAsync(requestId, responseJson, cancellationToken);

        public Task SendErrorAsync(string requestId, LambdaError lambdaError, CancellationToken cancellationToken) =>
            runtime.SendErrorAsync(requestId, lambdaError, cancellationToken);

        public Task SendInitErrorAsync(LambdaError lambdaError, CancellationToken cancellationToken) =>
            runtime.SendInitErrorAsync(lambdaError, cancellationToken);
    }
}
