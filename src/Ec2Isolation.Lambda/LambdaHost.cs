using Ec2Isolation.Aws;
using Ec2Isolation.Aws.Lambda;
using Ec2Isolation.Aws.Sts;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Lambda.Logging;
using Ec2Isolation.Lambda.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Lambda;

/// <summary>
/// Start-up: configuration from the environment, the shared composition root with JSON logs, then the loop.
/// A start-up failure is posted to <c>/runtime/init/error</c> and ends the process with <see cref="InitFailed"/>.
/// </summary>
public static partial class LambdaHost
{
    public const int InitFailed = 1;
    public const int RuntimeApiFailed = 2;

    /// <param name="getVariable">The environment (Environment.GetEnvironmentVariable).</param>
    /// <param name="logOutput">Where the JSON lines go (stdout).</param>
    /// <param name="overrides">Registrations after the composition root's (tests: a fake event processor).</param>
    public static async Task<int> RunAsync(
        ILambdaRuntimeApi runtime,
        Func<string, string?> getVariable,
        Stream logOutput,
        TimeProvider time,
        CancellationToken stoppingToken,
        Action<IServiceCollection>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(getVariable);
        var logs = new JsonLoggerProvider(logOutput, time, getVariable("AWS_LAMBDA_FUNCTION_NAME"));
        ServiceProvider services;
        IIsolationEventProcessor processor;
        try
        {
            var collection = new ServiceCollection()
                .AddSingleton(time)
                .AddLogging(logging => logging.ClearProviders().SetMinimumLevel(MinimumLevel(getVariable)).AddProvider(logs))
                .AddSingleton(provider => new InvokedFunctionAccount(provider.GetRequiredService<StsCallerIdentity>))
                .AddSingleton<IAccountIdentity>(provider => provider.GetRequiredService<InvokedFunctionAccount>())
                .AddEc2Isolation(IsolationSettings.FromEnvironment(getVariable), Connection(getVariable))
                .AddApprovalHandOff(getVariable(LambdaApprovalHandOff.FunctionNameVariable));
            overrides?.Invoke(collection);
            services = collection.BuildServiceProvider();
            processor = services.GetRequiredService<IIsolationEventProcessor>();
            runtime = services.GetRequiredService<InvokedFunctionAccount>().Observe(runtime);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var error = LambdaError.From(e);
            var logger = logs.CreateLogger(typeof(LambdaHost).FullName!);
            LogInitFailed(logger, error.ErrorType, error.ErrorMessage, e);
            try
            {
                await runtime.SendInitErrorAsync(error, stoppingToken);
            }
            catch (Exception postFailure) when (postFailure is HttpRequestException or LambdaRuntimeApiException)
            {
                LogRuntimeApiFailed(logger, postFailure);
            }

            return InitFailed;
        }

        await using (services)
        {
            var logger = services.GetRequiredService<ILogger<LambdaFunction>>();
            try
            {
                await new LambdaFunction(
                    runtime, processor, time, logger, services.GetRequiredService<InvocationDeadline>(), services.GetService<SlackInteractionEndpoint>(),
                    services.GetService<IResultBus>() is { } bus ? new ContinuationResults(bus, time) : null).RunAsync(stoppingToken);
                return 0;
            }
            catch (Exception e) when (e is HttpRequestException or LambdaRuntimeApiException)
            {
                LogRuntimeApiFailed(logger, e);
                return RuntimeApiFailed;
            }
        }
    }

    /// <summary>
    /// The application log level Lambda's logging configuration sets (AWS_LAMBDA_LOG_LEVEL: TRACE, DEBUG, INFO, WARN,
    /// ERROR, FATAL); Information when it is not set.
    /// </summary>
    internal static LogLevel MinimumLevel(Func<string, string?> getVariable) => getVariable("AWS_LAMBDA_LOG_LEVEL")?.Trim().ToUpperInvariant() switch
    {
        "TRACE" => LogLevel.Trace,
        "DEBUG" => LogLevel.Debug,
        "WARN" => LogLevel.Warning,
        "ERROR" => LogLevel.Error,
        "FATAL" => LogLevel.Critical,
        _ => LogLevel.Information,
    };

    /// <summary>The region Lambda runs in (AWS_REGION), and AWS_ENDPOINT_URL for every client, the Query client too.</summary>
    private static AwsConnection Connection(Func<string, string?> getVariable) =>
        new(
            getVariable("AWS_REGION") is { Length: > 0 } region
                ? region
                : throw new InvalidRequestException("AWS_REGION is not set: name the region of the instances to isolate."),
            getVariable("AWS_ENDPOINT_URL") is { Length: > 0 } endpoint ? endpoint : null,
            RoleSessionName: getVariable("AWS_LAMBDA_FUNCTION_NAME") is { Length: > 0 } function ? function : "ec2-isolation");

    [LoggerMessage(3010, LogLevel.Critical, "Start-up failed with {ErrorType}: {ErrorMessage}")]
    private static partial void LogInitFailed(ILogger logger, string errorType, string errorMessage, Exception exception);

    [LoggerMessage(3011, LogLevel.Critical, "The Runtime API could not be reached or refused a request; the process ends")]
    private static partial void LogRuntimeApiFailed(ILogger logger, Exception exception);
}
