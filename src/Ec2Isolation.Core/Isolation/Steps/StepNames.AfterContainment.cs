namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>The names of the optional steps after containment.</summary>
public static partial class StepNames
{
    public const string KeyPair = "key-pair";
    public const string StopAfterSnapshots = "stop-after-snapshots";
}
