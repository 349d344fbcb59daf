namespace Ec2Isolation.Core.Model;

/// <summary>The instance attributes of the protection step, each set by its own ModifyInstanceAttribute call.</summary>
[Flags]
public enum ProtectionAttributes
{
    None = 0,
    Termination = 1,
    Stop = 2,
    ShutdownBehavior = 4,
}
