using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Tests.Fakes;

/// <summary>
/// What EC2 refuses for an instance's state and kind, which moto accepts (moto.md): each refusal with its documentation.
/// Refusals for a state that settles are thrown as <see cref="IncorrectStateException"/>, as the adapter maps them.
/// </summary>
internal sealed partial class FakeCloud
{
    /// <summary>
    /// How many of the next profile association changes (associate, replace) EC2 refuses because the previous change is
    /// still associating or disassociating (eventual consistency: the association's state lags the call that changed it).
    /// </summary>
    public int UnsettledAssociationAnswers { get; set; }

    /// <summary>"Replaces an IAM instance profile for the specified running instance": https://github.com/aws/aws-cli/issues/5251.</summary>
    private void RefuseReplace(FakeInstance instance)
    {
        RefuseWhileUnsettled();
        if (instance.State != "running")
        {
            throw new IncorrectStateException($"IncorrectState: The association {instance.Association?.AssociationId} is not the active association");
        }
    }

    /// <summary>
    /// "Associates an IAM instance profile with a running or stopped instance. You cannot associate more than one":
    /// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_AssociateIamInstanceProfile.html (the refusals'
    /// wording: Enterprise-CMCS/eAPD#2304, aws-samples/one-observability-demo#201).
    /// </summary>
    private void RefuseAssociate(FakeInstance instance)
    {
        RefuseWhileUnsettled();
        if (instance.State is not ("running" or "stopped"))
        {
            throw new IncorrectStateException($"IncorrectInstanceState: The instance '{instance.InstanceId}' is not in the 'running' or 'stopped' states.");
        }

        if (instance.Association is not null)
        {
            throw new IncorrectStateException($"IncorrectState: There is an existing association for instance {instance.InstanceId}");
        }
    }

    private void RefuseWhileUnsettled()
    {
        if (UnsettledAssociationAnswers > 0)
        {
            UnsettledAssociationAnswers--;
            throw new IncorrectStateException("IncorrectState: the previous association is still disassociating");
        }
    }

    /// <summary>
    /// Termination protection: not on Spot (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_ChangingDisableAPITermination.html);
    /// stop protection: not on Spot nor an instance store root (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-stop-protection.html);
    /// either, and the shutdown behaviour, only "while the instance is running or stopped".
    /// </summary>
    private static void RefuseProtection(FakeInstance instance, ProtectionAttributes attributes)
    {
        RefuseAttributeChange(instance);
        if (instance.IsSpot && attributes.HasFlag(ProtectionAttributes.Termination))
        {
            throw new InvalidOperationException("UnsupportedOperation: termination protection cannot be enabled for Spot Instances");
        }

        if ((instance.IsSpot || instance.InstanceStoreRoot) && attributes.HasFlag(ProtectionAttributes.Stop))
        {
            throw new InvalidOperationException("UnsupportedOperation: stop protection cannot be enabled for Spot Instances or instance store-backed instances");
        }
    }

    /// <summary>
    /// "If the target is an EC2 instance, it must be in the running state when you register it" (by id; an address
    /// carries no such condition): https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_RegisterTargets.html
    /// </summary>
    private void RefuseRegistration(string instanceId, TargetRegistration registration)
    {
        if (registration.IpAddress is null && Instances.TryGetValue(instanceId, out var instance) && instance.State != "running")
        {
            throw new InvalidOperationException($"InvalidTarget: The following targets are not in a running state and cannot be registered: '{instanceId}'");
        }
    }

    /// <summary>Instance attributes change "while the instance is running or stopped", not while it is pending or stopping.</summary>
    private static void RefuseAttributeChange(FakeInstance instance)
    {
        if (instance.State is not ("running" or "stopped"))
        {
            throw new IncorrectStateException($"IncorrectInstanceState: The instance '{instance.InstanceId}' is not in a state from which it can be modified.");
        }
    }
}
