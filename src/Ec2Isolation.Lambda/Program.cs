using Ec2Isolation.Lambda;
using Ec2Isolation.Lambda.Runtime;

if (Environment.GetEnvironmentVariable(LambdaRuntimeApiClient.EndpointVariable) is not { Length: > 0 } endpoint)
{
    await Console.Error.WriteLineAsync($"{LambdaRuntimeApiClient.EndpointVariable} is not set: bootstrap runs under Lambda or a Runtime API stand-in.");
    return LambdaHost.InitFailed;
}

using var runtime = new LambdaRuntimeApiClient(endpoint);
await using var stdout = Console.OpenStandardOutput();
return await LambdaHost.RunAsync(runtime, Environment.GetEnvironmentVariable, stdout, TimeProvider.System, CancellationToken.None);
