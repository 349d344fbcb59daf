namespace Ec2Isolation.Core.Ports;

/// <summary>
/// A resource a release would restore no longer exists: a security group, target group, Auto Scaling group or instance
/// profile deleted during the isolation. Adapters throw it for the NotFound answers their APIs document (each cited where
/// it is thrown); a release then restores the rest and records what it could not. A security group EC2 does not know is
/// <see cref="SecurityGroupNotFoundException"/> (<c>InvalidGroup.NotFound</c>), which release treats the same way. Never thrown for throttling or any
/// other failure, which must still fail the release loudly.
/// </summary>
public sealed class ResourceGoneException(string message, Exception? innerException = null) : Exception(message, innerException);
