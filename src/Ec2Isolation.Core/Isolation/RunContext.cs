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

    /// <summary>A release's groups for the network interfaces whose original groups are not known (<see cref="OriginalConfiguration.NetworkUnknown"/>).</summary>
    public IReadOnlyList<string>? RestoreGroups { get; set; }

    /// <summary>Records that a release could not restore something that no longer exists, and goes on with the rest.</summary>
    public void NotRestored(string sentence)
    {
        Record.NotRestored.Add(sentence);
        Log.NotRestored(Logger, InstanceId, sentence);
    }

    public string InstanceId => Record.InstanceId;

    public string StatusTag(string name) => Settings.StatusTagPrefix + name;

    /// <summary>Writes the record now, renewing the lease; for a step that must record an artifact before it acts.</summary>
    public Task SaveAsync(CancellationToken cancellationToken) => Lease.SaveAsync(cancellationToken);

    private readonly HashSet<string> _readThisRun = [];
    private readonly Dictionary<string, Exception> _readFailures = [];
    private Task? _reading;

    /// <summary>
    /// True once this run has read (and recorded) <paramref name="part"/> itself: until a step changes it, it is the
    /// current state too. A part an earlier run recorded may have changed since.
    /// </summary>
    public bool ReadThisRun(string part) => _readThisRun.Contains(part);

    /// <summary>
    /// The original attachments once <paramref name="part"/> (<see cref="AttachmentParts"/>) is recorded. The parts not
    /// yet recorded (all of them in a first run: the profile, protection, Auto Scaling membership, target
    /// registrations and Classic Load Balancers) are read in one round, each on its own, and recorded in one write before the caller changes any of
    /// them. Not before the network step: containment waits for none of these calls. Throws when the read of
    /// <paramref name="part"/> failed: a step that needs only other parts goes on.
    /// </summary>
    public async Task<OriginalAttachments> RecordedAttachmentsAsync(string part, CancellationToken cancellationToken)
    {
        await (_reading ??= ReadUnrecordedAsync(cancellationToken));
        return _readFailures.TryGetValue(part, out var failure)
            ? throw new InvalidOperationException($"The original {part} could not be read, so it was left as it is: {failure.Message}", failure)
            : Record.Original.Attachments!;
    }

    private async Task ReadUnrecordedAsync(CancellationToken cancellationToken)
    {
        var recorded = Record.Original.Attachments;
        var missing = recorded is null ? AttachmentParts.All : [.. recorded.Missing];
        if (missing.Count == 0)
        {
            return;
        }

        var profile = ReadAsync(missing, AttachmentParts.InstanceProfile, () => Apis.Ec2.DescribeProfileAssociationAsync(InstanceId, cancellationToken));
        var protection = ReadAsync(missing, AttachmentParts.Protection, () => Apis.Ec2.DescribeProtectionAsync(InstanceId, cancellationToken));
        var autoScaling = ReadAsync(missing, AttachmentParts.AutoScaling, () => Apis.AutoScaling.DescribeMembershipAsync(InstanceId, cancellationToken));
        var targets = ReadAsync(missing, AttachmentParts.TargetRegistrations, () => Apis.LoadBalancing.FindRegistrationsAsync(Instance, cancellationToken));
        var classic = ReadAsync(missing, AttachmentParts.ClassicLoadBalancers, () => Apis.ClassicLoadBalancing.FindLoadBalancersAsync(InstanceId, cancellationToken));
        await Task.WhenAll(profile, protection, autoScaling, targets, classic);
        cancellationToken.ThrowIfCancellationRequested();

        var attachments = recorded ?? new OriginalAttachments();
        attachments.Unread.Clear();
        foreach (var part in missing)
        {
            if (_readFailures.ContainsKey(part))
            {
                attachments.Unread.Add(part);
                continue;
            }

            _readThisRun.Add(part);
            switch (part)
            {
                case AttachmentParts.InstanceProfile: attachments.InstanceProfile = profile.Result.Value; break;
                case AttachmentParts.Protection: attachments.Protection = protection.Result.Value; break;
                case AttachmentParts.AutoScaling: attachments.AutoScaling = autoScaling.Result.Value; break;
                case AttachmentParts.ClassicLoadBalancers: attachments.ClassicLoadBalancers = [.. classic.Result.Value!]; break;
                default: attachments.TargetRegistrations = [.. targets.Result.Value!]; break;
            }
        }

        Record.Original.Attachments = attachments;
        await SaveAsync(cancellationToken);
    }

    /// <summary>Reads one part when it is missing; its failure is kept for the steps that need it, never thrown here.</summary>
    private async Task<(bool Read, T? Value)> ReadAsync<T>(IReadOnlyList<string> missing, string part, Func<Task<T>> read)
    {
        if (!missing.Contains(part))
        {
            return (false, default);
        }

        try
        {
            return (true, await read());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            lock (_readFailures)
            {
                _readFailures[part] = e;
            }

            return (false, default);
        }
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
