namespace Ec2Isolation.Core.Accounts;

/// <summary>
/// Metrics the function publishes through its log (CloudWatch embedded metric format, written by the Lambda's JSON
/// logger): a log message property of one of these names, with a count, becomes a data point of the metric. The stack
/// alarms on them.
/// </summary>
public static class DeploymentMetrics
{
    public const string Namespace = "Ec2Isolation";

    /// <summary>The dimension of every metric: the function's name, so that two deployments in one region stay apart.</summary>
    public const string FunctionNameDimension = "FunctionName";

    /// <summary>An event or command refused because the deployment does not cover its account or region: an instance left as it was.</summary>
    public const string UncoveredAccountRefusals = "UncoveredAccountRefusals";

    public static IReadOnlySet<string> Names { get; } = new HashSet<string>([UncoveredAccountRefusals], StringComparer.Ordinal);
}
