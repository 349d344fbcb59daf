using System.Collections.Frozen;

namespace Ec2Isolation.Aws.Throttling;

/// <summary>
/// The error codes with which AWS services say "slow down": EC2's RequestLimitExceeded ("Request throttling for the
/// Amazon EC2 API", https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html), the Query services'
/// Throttling, DynamoDB's ProvisionedThroughputExceededException and ThrottlingException, and the JSON services' names.
/// Every client retries them; the <see cref="Core.Metrics.IThrottleObserver"/> hears of each.
/// </summary>
internal static class AwsThrottling
{
    public static FrozenSet<string> Codes { get; } = FrozenSet.ToFrozenSet(
    [
        "RequestLimitExceeded", "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceededException", "SlowDown",
    ], StringComparer.Ordinal);

    public static bool IsThrottling(string? code) => code is not null && Codes.Contains(code);
}
