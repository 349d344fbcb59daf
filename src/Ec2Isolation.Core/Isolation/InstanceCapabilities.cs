using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Isolation;

/// <summary>
/// What EC2 accepts for an instance in its state and of its kind, decided in this one place for every step
/// (docs/instance-states.md has the same table for readers). Built from the instance as the run read it.
/// </summary>
internal sealed record InstanceCapabilities(string State, bool IsSpot, bool HasInstanceStoreRoot)
{
    public const string Running = "running";
    public const string Stopped = "stopped";

    public static InstanceCapabilities Of(InstanceDescription instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return new(instance.State, instance.IsSpot, instance.HasInstanceStoreRoot);
    }

    /// <summary>
    /// Running or stopped: the states in which EC2 changes an instance's profile and attributes ("You can change this
    /// attribute while the instance is running or stopped":
    /// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_ChangingInstanceInitiatedShutdownBehavior.html;
    /// AssociateIamInstanceProfile: "is not in the 'running' or 'stopped' states"). Pending and stopping settle by themselves.
    /// </summary>
    public bool IsSettled => State is Running or Stopped;

    /// <summary>
    /// "You can't enable termination protection for Spot Instances."
    /// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_ChangingDisableAPITermination.html
    /// </summary>
    public bool TakesTerminationProtection => !IsSpot;

    /// <summary>
    /// "You can't enable stop protection for instance store-backed instances" nor "for Spot Instances" (moto accepts
    /// both). https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-stop-protection.html
    /// </summary>
    public bool TakesStopProtection => !IsSpot && !HasInstanceStoreRoot;

    /// <summary>The protection attributes the protection step sets and restores on this instance.</summary>
    public ProtectionAttributes ProtectionAttributes =>
        ProtectionAttributes.ShutdownBehavior
        | (TakesTerminationProtection ? ProtectionAttributes.Termination : ProtectionAttributes.None)
        | (TakesStopProtection ? ProtectionAttributes.Stop : ProtectionAttributes.None);

    /// <summary>
    /// <c>ReplaceIamInstanceProfileAssociation</c> works on a running instance only ("Replaces an IAM instance profile for
    /// the specified running instance"; a stopped one answers IncorrectState: https://github.com/aws/aws-cli/issues/5251):
    /// elsewhere the profile is disassociated, then the new one associated (which EC2 accepts on a running or stopped
    /// instance: https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateIamInstanceProfile.html).
    /// </summary>
    public bool ReplacesProfileInPlace => State == Running;

    /// <summary>
    /// ELBv2 registers an instance (by id) only while it runs: "If the target is an EC2 instance, it must be in the
    /// running state when you register it." Targets by IP address carry no such condition.
    /// https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_RegisterTargets.html
    /// </summary>
    public bool AcceptsInstanceTargetRegistration => State == Running;

    /// <summary>
    /// A Classic Load Balancer registers a running instance only: "The instance must be a running instance in the same
    /// network as the load balancer."
    /// https://docs.aws.amazon.com/elasticloadbalancing/2012-06-01/APIReference/API_RegisterInstancesWithLoadBalancer.html
    /// </summary>
    public bool AcceptsClassicLoadBalancerRegistration => State == Running;
}
