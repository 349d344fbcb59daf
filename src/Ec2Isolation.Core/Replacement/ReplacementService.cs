using System.Globalization;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Planning;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ec2Isolation.Core.Replacement;

/// <summary>
/// Launches a clean replacement of an isolated instance, from a chosen AMI or from the launch template the instance was
/// launched from, in its subnet with its instance type, with its original instance profile and the original groups of
/// its primary network interface (the replacement has that one interface only), all read from the record; then records
/// it. An Auto Scaling member is left to its group: the isolation put it in Standby without lowering the desired
/// capacity, so the group launches the replacement.
/// </summary>
public sealed partial class ReplacementService(
    AwsApis apis, IEc2Api ec2PermissionProbe, IsolationSettings settings, TimeProvider time, ILogger<ReplacementService> logger)
    : IReplacementService
{
    private const string NameTag = "Name";
    private const string NameSuffix = "-replacement";
    private const int MaxTagValueLength = 256;

    public Task<ReplacementResult> ReplaceAsync(ReplacementRequest request, CancellationToken cancellationToken) =>
        ReplaceAsync(apis, logger, onLaunch: null, request, cancellationToken);

    /// <summary>Runs the replacement against recording decorators, and logs nothing: a plan must not read like a launch in the audit trail.</summary>
    public async Task<IsolationPlan> PlanReplacementAsync(ReplacementRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var recorder = new PlanRecorder(apis, ec2PermissionProbe);
        var result = await ReplaceAsync(recorder.Wrap(apis), NullLogger.Instance, () => recorder.StartStep("launch"), request, cancellationToken);
        return recorder.ToPlan(request.InstanceId, "replace", result.Message);
    }

    private async Task<ReplacementResult> ReplaceAsync(
        AwsApis run, ILogger log, Action? onLaunch, ReplacementRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var instanceId = InstanceIds.Validate(request.InstanceId);
        var imageId = request.ImageId is null ? null : InstanceIds.ValidateImageId(request.ImageId);
        ValidateSource(request);
        var record = await run.Records.GetAsync(instanceId, cancellationToken) switch
        {
            null => throw new InvalidRequestException($"{instanceId} has no isolation record: isolate it before replacing it; nothing was launched."),
            { Status: IsolationStatus.Isolated or IsolationStatus.Isolating } isolated => isolated,
            var other => throw new InvalidRequestException($"{instanceId} is {other.Status}, not isolated: only an isolated instance is replaced; nothing was launched."),
        };

        // The profile and the group membership decide the launch: both must have been read.
        var attachments = record.Original.Attachments is { } read && read.IsRead(AttachmentParts.InstanceProfile) && read.IsRead(AttachmentParts.AutoScaling)
            ? read
            : throw new InvalidRequestException(
            $"The isolation of {instanceId} stopped before it recorded the instance profile and Auto Scaling membership: "
            + "run isolate again to finish it, then replace; nothing was launched.");
        if (attachments.AutoScaling is { } group)
        {
            ReplacementLog.ReplacedByGroup(log, instanceId, group.GroupName);
            return new ReplacementResult(
                ReplacementOutcome.ReplacedByAutoScalingGroup,
                instanceId,
                $"{instanceId} is a member of Auto Scaling group {group.GroupName}, which replaces it: the isolation puts it in Standby "
                + "without lowering the desired capacity, so the group launches a replacement. Nothing was launched.",
                AutoScalingGroupName: group.GroupName);
        }

        if (!request.Force && await FindLiveReplacementAsync(run.Ec2, record, cancellationToken) is { } existing)
        {
            ReplacementLog.AlreadyReplaced(log, instanceId, existing);
            return new ReplacementResult(
                ReplacementOutcome.AlreadyReplaced,
                instanceId,
                $"{instanceId} is already replaced by {existing}; nothing was launched (--force launches another).",
                existing);
        }

        var instance = await run.Ec2.DescribeInstanceAsync(instanceId, cancellationToken);
        var snapshotImage = request.FromSnapshotImage ? await ChooseSnapshotsAsync(run.Ec2, record, instance, request, cancellationToken) : null;
        var spec = Spec(record, instance, snapshotImage is null ? imageId : SnapshotImagePlaceholder);
        var lease = await RecordLease.AcquireAsync(run.Records, time, new LeaseTerm(settings.LeaseDuration, Deadline: null), record, record, cancellationToken);
        onLaunch?.Invoke();
        var replacementId = await LaunchAsync(lease, log, async () =>
        {
            if (snapshotImage is not null)
            {
                spec = spec with { ImageId = await RegisterAsync(run.Ec2, lease, snapshotImage, cancellationToken), Volumes = snapshotImage.Volumes };
            }

            return await run.Ec2.RunReplacementAsync(spec, cancellationToken);
        });
        record.ReplacementInstanceIds.Add(replacementId);
        try
        {
            await lease.ReleaseAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            ReplacementLog.NotRecorded(log, e, replacementId, instanceId);
            throw new InvalidOperationException(
                $"Launched {replacementId} to replace {instanceId} but could not record it: {e.Message} "
                + "Run replace again: the launch is idempotent, so it gets the same instance back and records it.",
                e);
        }

        ReplacementLog.Launched(log, replacementId, instanceId, spec.Source, spec.InstanceType, spec.SubnetId);
        return new ReplacementResult(
            ReplacementOutcome.Launched,
            instanceId,
            $"Launched {replacementId} to replace {instanceId}, from {spec.Source}, with the original groups of its primary network interface and its original instance profile."
            + (snapshotImage?.Caveats is { Length: > 0 } caveats ? " " + caveats : string.Empty),
            replacementId,
            spec);
    }

    /// <summary>The latest recorded replacement that is not terminated, or null.</summary>
    private static async Task<string?> FindLiveReplacementAsync(IEc2Api ec2, IsolationRecord record, CancellationToken cancellationToken)
    {
        var replacements = await Task.WhenAll(record.ReplacementInstanceIds.Select(id => ec2.DescribeInstanceAsync(id, cancellationToken)));
        return replacements.LastOrDefault(replacement => replacement is { IsGone: false })?.InstanceId;
    }

    /// <summary>Launches; a failed launch gives the record up at once, unchanged, so that it never holds up an isolation.</summary>
    private static async Task<string> LaunchAsync(RecordLease lease, ILogger log, Func<Task<string>> launch)
    {
        try
        {
            return await launch();
        }
        catch
        {
            try
            {
                await lease.ReleaseAsync(CancellationToken.None);
            }
#pragma warning disable CA1031 // The failed launch is what the caller must see; this failure is logged.
            catch (Exception releaseFailure)
#pragma warning restore CA1031
            {
                ReplacementLog.LeaseNotReleased(log, releaseFailure, lease.Record.InstanceId);
            }

            throw;
        }
    }

    private ReplacementSpec Spec(IsolationRecord record, InstanceDescription? instance, string? imageId)
    {
        var instanceId = record.InstanceId;
        if (instance is not { SubnetId: { } subnetId, InstanceType: { } instanceType })
        {
            throw new InvalidRequestException(
                $"EC2 no longer says the subnet and instance type of {instanceId}, so they cannot be copied; nothing was launched.");
        }

        var template = imageId is null
            ? instance.LaunchTemplate ?? throw new InvalidRequestException(
                $"{instanceId} was not launched from a launch template (it has no aws:ec2launchtemplate:id tag): choose an image with --ami; nothing was launched.")
            : null;
        var tags = new Dictionary<string, string> { [settings.StatusTagPrefix + "replaces"] = instanceId };
        if (instance.Tags.TryGetValue(NameTag, out var name))
        {
            tags[NameTag] = name[..Math.Min(name.Length, MaxTagValueLength - NameSuffix.Length)] + NameSuffix;
        }

        return new ReplacementSpec
        {
            ImageId = imageId,
            LaunchTemplate = template,
            InstanceType = instanceType,
            SubnetId = subnetId,
            SecurityGroupIds = record.Original.NetworkInterfaces.FirstOrDefault()?.GroupIds ?? [],
            InstanceProfileArn = record.Original.Attachments?.InstanceProfile?.InstanceProfileArn,
            Tags = tags,
            // Unique per isolation and per launch: a rerun after an unrecorded launch reuses it, --force does not.
            ClientToken = string.Create(
                CultureInfo.InvariantCulture, $"{instanceId}-{record.StartedAt.ToUnixTimeSeconds()}-{record.ReplacementInstanceIds.Count + 1}"),
        };
    }
}
