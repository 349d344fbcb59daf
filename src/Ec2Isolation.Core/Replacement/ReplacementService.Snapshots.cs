using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Replacement;

/// <summary>
/// The re-image from a known-good snapshot (<c>replace --from-snapshot</c> / <c>--before</c>). The root volume's snapshot
/// becomes an image (RegisterImage), the other volumes' snapshots its further block devices, and RunInstances launches
/// that image like any other replacement: one launch, idempotent with its client token, that creates every volume from
/// its snapshot. Launching from the original AMI, then swapping the root volume (stop, detach, attach), would boot the
/// replacement once from an image that is not the chosen state and take several calls that can each fail halfway.
/// An image registered from a snapshot loses the AMI's billing code: a Windows instance launched from it does not boot,
/// and RHEL or SUSE lose their update repositories (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RegisterImage.html);
/// Windows is refused (use --ami), the others are warned of. The image is named after the instance and the snapshots,
/// so a rerun finds it (names are unique per account and region) instead of registering it twice; it is recorded and kept.
/// </summary>
public sealed partial class ReplacementService
{
    /// <summary>Stands for the image in the spec until it is registered (under the record's lease).</summary>
    private const string SnapshotImagePlaceholder = "ami-00000000";

    /// <summary>The snapshots chosen, the image's name and what the analyst should know about it.</summary>
    private sealed record SnapshotImage(ImageRegistration Registration, string Caveats)
    {
        public IReadOnlyList<SnapshotVolume> Volumes => Registration.Volumes;
    }

    /// <summary>Refuses requests that name more than one source; nothing launched.</summary>
    private static void ValidateSource(ReplacementRequest request)
    {
        var sources = (request.ImageId is null ? 0 : 1) + (request.FromSnapshots is { Count: > 0 } ? 1 : 0) + (request.Before is null ? 0 : 1);
        if (sources > 1)
        {
            throw new InvalidRequestException("Choose one source: --ami, --from-snapshot or --before; nothing was launched.");
        }

        foreach (var id in request.FromSnapshots ?? [])
        {
            if (!SnapshotId().IsMatch(id))
            {
                throw new InvalidRequestException(
                    $"'{InstanceIds.Printable(id)}' is not a snapshot id (snap- followed by 8 or 17 lowercase hex digits); nothing was launched.");
            }
        }
    }

    /// <summary>Reads and checks the snapshots the request names or implies; changes nothing.</summary>
    private async Task<SnapshotImage> ChooseSnapshotsAsync(
        IEc2Api ec2, IsolationRecord record, InstanceDescription? instance, ReplacementRequest request, CancellationToken cancellationToken)
    {
        var instanceId = record.InstanceId;
        var boot = instance?.Boot ?? throw new InvalidRequestException(
            $"EC2 no longer says the root device and architecture of {instanceId}, which an image from its snapshots needs; nothing was launched.");
        if (boot.PlatformDetails.Contains("Windows", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidRequestException(
                $"{instanceId} runs Windows: an image registered from a snapshot does not launch a Windows instance (it has no billing code). "
                + "Re-image it with --ami from a clean Windows AMI; nothing was launched.");
        }

        var volumes = record.Original.Volumes;
        var isolationTag = settings.StatusTagPrefix + "isolation";
        var candidates = request.FromSnapshots is { Count: > 0 } named
            ? await NamedSnapshotsAsync(ec2, record, named, request.IncludeIsolationSnapshots, cancellationToken)
            : await ec2.FindVolumeSnapshotsAsync([.. volumes.Select(volume => volume.VolumeId)], cancellationToken);
        var chosen = volumes
            .Select(volume => (volume, snapshot: candidates
                .Where(snapshot => snapshot.VolumeId == volume.VolumeId && snapshot.IsCompleted && (request.Before is not { } before || snapshot.StartTime < before))
                .Where(snapshot => request.IncludeIsolationSnapshots || !snapshot.Tags.ContainsKey(isolationTag))
                .MaxBy(snapshot => snapshot.StartTime)))
            .ToList();
        var root = chosen.Find(pair => pair.volume.DeviceName == boot.RootDeviceName);
        if (root.snapshot is null)
        {
            throw new InvalidRequestException(
                $"No usable snapshot of the root volume {root.volume?.VolumeId ?? "(not recorded)"} ({boot.RootDeviceName}) of {instanceId}"
                + (request.Before is { } time ? $" completed before {time:O}" : string.Empty)
                + (request.IncludeIsolationSnapshots ? string.Empty : " that the isolation did not take itself (--include-isolation-snapshots allows those)")
                + "; nothing was launched.");
        }

        var picked = chosen.Where(pair => pair.snapshot is not null).OrderBy(pair => pair.volume.DeviceName == boot.RootDeviceName ? 0 : 1)
            .Select(pair => new SnapshotVolume(pair.volume.DeviceName, pair.snapshot!.SnapshotId, pair.volume.VolumeId)).ToList();
        var leftOut = chosen.Where(pair => pair.snapshot is null).Select(pair => $"{pair.volume.VolumeId} ({pair.volume.DeviceName})").ToList();
        var caveats = new List<string>();
        if (leftOut.Count > 0)
        {
            caveats.Add($"Without a chosen snapshot, these volumes are not in the replacement: {string.Join(", ", leftOut)}.");
        }

        if (boot.PlatformDetails != "Linux/UNIX")
        {
            caveats.Add($"Its platform is {boot.PlatformDetails}: an image registered from a snapshot has no billing code, so its package updates may not work.");
        }

        return new SnapshotImage(
            new ImageRegistration
            {
                Name = ImageName(instanceId, picked),
                Boot = boot,
                Volumes = picked,
                Tags = new Dictionary<string, string> { [settings.StatusTagPrefix + "replaces"] = instanceId },
            },
            string.Join(" ", caveats));
    }

    /// <summary>The named snapshots: each must exist, be completed, be of one of the instance's volumes, and not be the isolation's own unless allowed.</summary>
    private async Task<IReadOnlyList<SnapshotInfo>> NamedSnapshotsAsync(
        IEc2Api ec2, IsolationRecord record, IReadOnlyList<string> snapshotIds, bool allowIsolationSnapshots, CancellationToken cancellationToken)
    {
        var found = await ec2.DescribeSnapshotsAsync([.. snapshotIds.Distinct(StringComparer.Ordinal)], cancellationToken);
        var problems = new List<string>();
        foreach (var id in snapshotIds.Distinct(StringComparer.Ordinal))
        {
            var snapshot = found.FirstOrDefault(s => s.SnapshotId == id);
            var problem = snapshot switch
            {
                null => "EC2 does not know it",
                { IsCompleted: false } => $"it is {snapshot.State}, not completed",
                _ when !record.Original.Volumes.Exists(volume => volume.VolumeId == snapshot.VolumeId) =>
                    $"it is of {snapshot.VolumeId}, not of a volume of {record.InstanceId}",
                _ when snapshot.Tags.ContainsKey(settings.StatusTagPrefix + "isolation") && !allowIsolationSnapshots =>
                    "the isolation took it (the compromised state; --include-isolation-snapshots allows it)",
                _ => null,
            };
            if (problem is not null)
            {
                problems.Add($"{id}: {problem}");
            }
        }

        if (found.GroupBy(snapshot => snapshot.VolumeId).FirstOrDefault(volume => volume.Count() > 1) is { } twice)
        {
            problems.Add($"{string.Join(" and ", twice.Select(s => s.SnapshotId))} are both of {twice.Key}: name one per volume");
        }

        return problems.Count == 0
            ? found
            : throw new InvalidRequestException($"Cannot re-image from these snapshots: {string.Join("; ", problems)}. Nothing was launched.");
    }

    /// <summary>Finds the image a rerun registered already, or registers it, and records it before the launch.</summary>
    private static async Task<string> RegisterAsync(IEc2Api ec2, RecordLease lease, SnapshotImage image, CancellationToken cancellationToken)
    {
        var imageId = await ec2.FindImageAsync(image.Registration.Name, cancellationToken)
            ?? await ec2.RegisterImageAsync(image.Registration, cancellationToken);
        var images = lease.Record.Artifacts.ReplacementImageIds;
        if (!images.Contains(imageId))
        {
            images.Add(imageId);
            await lease.SaveAsync(cancellationToken);
        }

        return imageId;
    }

    /// <summary>Unique per instance and choice of snapshots (AMI names: 3-128 characters of letters, digits and ()[] ./-'@_).</summary>
    private static string ImageName(string instanceId, IReadOnlyList<SnapshotVolume> volumes)
    {
        var choice = string.Join(";", volumes.Select(volume => volume.DeviceName + "=" + volume.SnapshotId));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(choice)))[..16];
        return string.Create(CultureInfo.InvariantCulture, $"ec2-isolation-reimage-{instanceId}-{hash}");
    }

    [GeneratedRegex(@"^snap-([0-9a-f]{8}|[0-9a-f]{17})\z", RegexOptions.CultureInvariant)]
    private static partial Regex SnapshotId();
}
