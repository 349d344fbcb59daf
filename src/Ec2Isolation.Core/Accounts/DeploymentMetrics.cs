namespace Ec2Isolation.Core.Accounts;

/// <summary>
/// The namespace and common dimension of the metrics the function publishes through its log
/// (<see cref="Metrics.MetricDefinitions"/>). The stack alarms on them.
/// </summary>
public static class DeploymentMetrics
{
    public const string Namespace = "Ec2Isolation";

    /// <summary>The dimension of every metric: the function's name, so that two deployments in one region stay apart.</summary>
    public const string FunctionNameDimension = "FunctionName";

    /// <summary>An event or command refused because the deployment does not cover its account or region: an instance left as it was.</summary>
    public const string UncoveredAccountRefusals = "UncoveredAccountRefusals";
}
