using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Ports;

/// <summary>The calls of the responder's flow after containment: the key pair, the stop after evidence, the re-image from snapshots.</summary>
public partial interface IEc2Api
{
    /// <summary>The key pair of this name with its public key, or null when EC2 has none of that name.</summary>
    Task<KeyPairInfo?> DescribeKeyPairAsync(string keyName, CancellationToken cancellationToken);

    /// <summary>Deletes the key pair by id (not by name: a key someone imported under the name since is not touched); a gone one is not an error.</summary>
    Task DeleteKeyPairAsync(string keyPairId, CancellationToken cancellationToken);

    /// <summary>Imports a public key under a name; returns the new key pair's id. Throws <see cref="KeyPairExistsException"/> when the name is taken.</summary>
    Task<string> ImportKeyPairAsync(string keyName, string publicKey, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken);

    /// <summary>These snapshots (those EC2 knows), with their state.</summary>
    Task<IReadOnlyList<SnapshotInfo>> DescribeSnapshotsAsync(IReadOnlyList<string> snapshotIds, CancellationToken cancellationToken);

    /// <summary>The account's own snapshots of these volumes, every state.</summary>
    Task<IReadOnlyList<SnapshotInfo>> FindVolumeSnapshotsAsync(IReadOnlyList<string> volumeIds, CancellationToken cancellationToken);

    /// <summary>Stops the instance (not hibernate, not force). Refusals EC2 will repeat (stop protection, instance store root, a one-time Spot request) are <see cref="StopRefusedException"/>.</summary>
    Task StopInstanceAsync(string instanceId, CancellationToken cancellationToken);

    Task StartInstanceAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>The account's own image of this name, or null.</summary>
    Task<string?> FindImageAsync(string name, CancellationToken cancellationToken);

    /// <summary>Registers an image from snapshots; returns its id.</summary>
    Task<string> RegisterImageAsync(ImageRegistration registration, CancellationToken cancellationToken);
}

/// <summary>The key pair name is taken (EC2 error InvalidKeyPair.Duplicate).</summary>
public sealed class KeyPairExistsException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>EC2 refuses to stop this instance and will refuse again (OperationNotPermitted, UnsupportedOperation).</summary>
public sealed class StopRefusedException(string message, Exception? innerException = null) : Exception(message, innerException);
