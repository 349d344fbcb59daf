using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Notifications;
using Ec2Isolation.Core.Ports;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Isolation;

/// <summary>One run (isolate or release) of one instance: the record it owns and what the steps share.</summary>
internal sealed class RunContext
{
    public required AwsApis Apis { get; init; }
    public required IsolationSettings Settings { get; init; }
    public required TimeProvider Time { get; init; }
    public required ILogger Logger { get; init; }
    public required RecordLease Lease { get; init; }

    /// <summary>The instance as this run resolved it (its current state, not the original one).</summary>
    public required InstanceDescription Instance { get; init; }

    /// <summary>The quarantine and all-traffic groups of the instance's VPC, looked up beside the record's first write (an isolation only).</summary>
    public required Task<IReadOnlyList<SecurityGroupInfo>> IsolationGroups { get; init; }

    /// <summary>The run's notices; null for a plan, or when no notifier is configured.</summary>
    public NoticeDispatcher? Notices { get; init; }

    public IsolationRecord Record => Lease.Record;

    /// <summary>
    /// True once this run has read (and recorded) the attachments itself: until a step changes one of them, they are
    /// the current state too. Attachments an earlier run recorded may have changed since.
    /// </summary>
    public bool AttachmentsReadThisRun { get; private set; }

    public string InstanceId => Record.InstanceId;

    public string StatusTag(string name) => Settings.StatusTagPrefix + name;

    /// <summary>Writes the record now, renewing the lease; for a step that must record an artifact before it acts.</summary>
    public Task SaveAsync(CancellationToken cancellationToken) => Lease.SaveAsync(cancellationToken);

    /// <summary>
    /// The original profile, protection, Auto Scaling membership and target registrations, read in one round and
    /// recorded (once, in one write) before the caller changes any of them. Not before the network step: containment
    /// waits for none of these calls.
    /// </summary>
    public async Task<OriginalAttachments> RecordedAttachmentsAsync(CancellationToken cancellationToken)
    {
        if (Record.Original.Attachments is { } recorded)
        {
            return recorded;
        }

        AttachmentsReadThisRun = true;

        var profile = Apis.Ec2.DescribeProfileAssociationAsync(InstanceId, cancellationToken);
        var protection = Apis.Ec2.DescribeProtectionAsync(InstanceId, cancellationToken);
        var autoScaling = Apis.AutoScaling.DescribeMembershipAsync(InstanceId, cancellationToken);
        var targets = Apis.LoadBalancing.FindRegistrationsAsync(Instance, cancellationToken);
        await Task.WhenAll(profile, protection, autoScaling, targets);
        Record.Original.Attachments = new OriginalAttachments
        {
            InstanceProfile = await profile,
            Protection = await protection,
            AutoScaling = await autoScaling,
            TargetRegistrations = [.. await targets],
        };
        await SaveAsync(cancellationToken);
        return Record.Original.Attachments;
    }
}

/// <summary>
/// One reversible part of an isolation. Apply is idempotent (a rerun after a crash repeats it safely);
/// Restore brings back what the record's original configuration holds, checking the current state first.
/// </summary>
internal interface IIsolationStep
{
    string Name { get; }

    Task ApplyAsync(RunContext context, CancellationToken cancellationToken);

    Task RestoreAsync(RunContext context, CancellationToken cancellationToken);
}
