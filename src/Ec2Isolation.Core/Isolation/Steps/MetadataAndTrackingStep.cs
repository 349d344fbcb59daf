using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Optional, each part off by default: turns the instance metadata service off (no new role credentials, but no SSM agent
/// for forensics either: <see cref="Configuration.IsolationSettings.DisableMetadata"/>), and shortens the ENIs' connection
/// tracking idle timeouts to the minimum (<see cref="Configuration.IsolationSettings.ShortenConnectionTracking"/>), so that
/// an idle tracked flow on a path the ACL step could not cut expires within a minute. Each original value is recorded
/// before it changes; release puts it back. An ENI not on Nitro keeps its timeouts (logged, nothing recorded).
/// </summary>
internal sealed class MetadataAndTrackingStep : IIsolationStep
{
    private const string Disabled = "disabled";

    public string Name => StepNames.MetadataAndTracking;

    public async Task ApplyAsync(RunContext context, CancellationToken cancellationToken)
    {
        var ec2 = context.Apis.Ec2;
        var artifacts = context.Record.Artifacts;
        if (context.Settings.DisableMetadata && artifacts.OriginalMetadataEndpoint is null)
        {
            artifacts.OriginalMetadataEndpoint = await ec2.DescribeMetadataEndpointAsync(context.InstanceId, cancellationToken);
            await context.SaveAsync(cancellationToken);
        }

        if (context.Settings.ShortenConnectionTracking)
        {
            await RecordTrackingAsync(context, cancellationToken);
        }

        var metadata = context.Settings.DisableMetadata
            ? ec2.SetMetadataEndpointAsync(context.InstanceId, Disabled, cancellationToken)
            : Task.CompletedTask;
        var originals = context.Settings.ShortenConnectionTracking ? artifacts.OriginalConnectionTracking.ToList() : [];
        var shortened = Task.WhenAll(originals.Select(original => SetIfSupportedAsync(context, ConnectionTracking.Shortest(original.NetworkInterfaceId), cancellationToken)));
        await Task.WhenAll(metadata, shortened);

        // Nothing changed on an ENI that refused: nothing of it to restore.
        var unchanged = originals.Where((_, index) => !shortened.Result[index]).ToList();
        if (unchanged.Count > 0)
        {
            artifacts.OriginalConnectionTracking.RemoveAll(unchanged.Contains);
        }
    }

    public async Task RestoreAsync(RunContext context, CancellationToken cancellationToken)
    {
        var ec2 = context.Apis.Ec2;
        var artifacts = context.Record.Artifacts;
        var changes = artifacts.OriginalConnectionTracking.Select(original => (Task)SetIfSupportedAsync(context, original.WithDefaults(), cancellationToken)).ToList();
        if (artifacts.OriginalMetadataEndpoint is { } endpoint and not Disabled)
        {
            changes.Add(ec2.SetMetadataEndpointAsync(context.InstanceId, endpoint, cancellationToken));
        }

        await Task.WhenAll(changes);
        artifacts.OriginalMetadataEndpoint = null;
        artifacts.OriginalConnectionTracking.Clear();
    }

    /// <summary>The timeouts of ENIs not recorded yet (one attached since a failed run included), written before any changes.</summary>
    private static async Task RecordTrackingAsync(RunContext context, CancellationToken cancellationToken)
    {
        var recorded = context.Record.Artifacts.OriginalConnectionTracking;
        var unknown = context.Instance.NetworkInterfaces.Select(eni => eni.NetworkInterfaceId)
            .Where(id => !recorded.Exists(original => original.NetworkInterfaceId == id)).ToList();
        if (unknown.Count == 0)
        {
            return;
        }

        recorded.AddRange(await context.Apis.Ec2.DescribeConnectionTrackingAsync(unknown, cancellationToken));
        await context.SaveAsync(cancellationToken);
    }

    private static async Task<bool> SetIfSupportedAsync(RunContext context, ConnectionTracking tracking, CancellationToken cancellationToken)
    {
        try
        {
            await context.Apis.Ec2.SetConnectionTrackingAsync(tracking, cancellationToken);
            return true;
        }
        catch (ConnectionTrackingUnsupportedException e)
        {
            TrackedPathLog.TrackingUnsupported(context.Logger, tracking.NetworkInterfaceId, context.InstanceId, e.Message);
            return false;
        }
    }
}
