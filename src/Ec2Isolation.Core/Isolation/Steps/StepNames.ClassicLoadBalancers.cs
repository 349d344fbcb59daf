namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>The name of the Classic Load Balancer step.</summary>
public static partial class StepNames
{
    public const string ClassicLoadBalancers = "classic-load-balancers";
}
