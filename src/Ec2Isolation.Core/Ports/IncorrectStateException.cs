namespace Ec2Isolation.Core.Ports;

/// <summary>
/// EC2 refused a call for the state of the instance or of its profile association (<c>IncorrectState</c>,
/// <c>IncorrectInstanceState</c>): a pending or stopping instance, a profile association still associating or
/// disassociating, a replacement on an instance that is not running. Often transient: the state settles.
/// </summary>
public sealed class IncorrectStateException(string message, Exception? innerException = null)
    : Exception(message, innerException);
