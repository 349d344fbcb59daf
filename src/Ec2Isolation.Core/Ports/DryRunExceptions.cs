namespace Ec2Isolation.Core.Ports;

/// <summary>An EC2 adapter in dry-run mode: DryRun answered UnauthorizedOperation.</summary>
public sealed class PermissionDeniedException(string message, Exception? innerException = null)
    : Exception(message, innerException);

/// <summary>An EC2 adapter in dry-run mode was asked for a call that has no DryRun parameter; it sent nothing.</summary>
public sealed class DryRunNotSupportedException(string message) : Exception(message);
