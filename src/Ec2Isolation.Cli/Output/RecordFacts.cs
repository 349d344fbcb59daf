using System.Globalization;
using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Cli.Output;

/// <summary>
/// A record's key facts, one per line, for people: what was there before and what replaced it, the ticket, and what
/// became of each notice.
/// </summary>
internal static class RecordFacts
{
    public static void Write(TextWriter writer, IsolationRecord record)
    {
        var rows = new List<IReadOnlyList<string>>
        {
            Fact("instance", $"{record.InstanceId} ({record.Region}, {record.VpcId})"),
            Fact("status", record.Status.ToString()),
            Fact("incident", record.IncidentId),
        };
        AddIf(rows, "ticket", record.TicketKey);
        rows.AddRange(
        [
            Fact("reason", record.Reason),
            Fact("requested by", record.RequestedBy),
            Fact("started", Time(record.StartedAt)),
        ]);
        AddIf(rows, "isolated", record.IsolatedAt is { } isolated ? Time(isolated) : null);
        AddIf(rows, "released", record.ReleasedAt is { } released ? $"{Time(released)} by {record.ReleasedBy ?? "(unknown)"}" : null);
        rows.Add(Fact("completed steps", List(record.CompletedSteps)));
        AddIf(rows, "released steps", record.ReleasedSteps.Count == 0 ? null : List(record.ReleasedSteps));

        var quarantine = record.Artifacts.QuarantineGroupId ?? "(not yet)";
        rows.AddRange(record.Original.NetworkInterfaces.Select(eni =>
            Fact("network " + eni.NetworkInterfaceId, $"{List(eni.GroupIds)} -> {quarantine}")));
        var attachments = record.Original.Attachments;
        rows.Add(Fact(
            "instance profile",
            attachments is null
                ? "(not recorded yet)"
                : $"{attachments.InstanceProfile?.InstanceProfileArn ?? "(none)"} -> {record.Artifacts.IsolationProfileAssociationId ?? "(not yet)"}"));
        AddIf(rows, "snapshots", record.Artifacts.SnapshotIds.Count == 0 ? null : List(record.Artifacts.SnapshotIds));
        AddIf(rows, "replacements", record.ReplacementInstanceIds.Count == 0 ? null : List(record.ReplacementInstanceIds));
        AddIf(rows, "replacement images", record.Artifacts.ReplacementImageIds.Count == 0 ? null : List(record.Artifacts.ReplacementImageIds));
        AddIf(rows, "key pair", record.Artifacts.KeyPair is { } key ? $"{key.KeyName} ({key.KeyPairId}) deleted; its public key is recorded" : null);
        AddIf(rows, "stopped", record.Stop is { } stop
            ? $"{Time(stop.StoppedAt)} by {stop.RequestedBy} (was {stop.StateBefore}{(stop.Forced ? ", forced" : "")})"
              + (stop.StartedAgainAt is { } started ? $"; started again {Time(started)}" : string.Empty)
            : null);
        rows.AddRange(record.ReplacementScans.Select(scan => Fact("replacement scan", $"{Time(scan.At)} {scan.Describe()}")));
        AddIf(rows, "auto scaling", attachments?.AutoScaling is { } asg ? $"{asg.GroupName} (was {asg.LifecycleState})" : null);
        rows.AddRange((attachments?.TargetRegistrations ?? []).Select(target =>
            Fact("target group", target.TargetGroupArn + (target.IpAddress is { } address ? $" address {address}" : string.Empty)
                + (target.Port is { } port ? $" port {port}" : string.Empty))));
        rows.AddRange((attachments?.ClassicLoadBalancers ?? []).Select(name => Fact("classic load balancer", name)));
        AddIf(rows, "network", record.Original.NetworkUnknown ? "original groups unknown (found in isolation groups without a record): release needs --restore-groups" : null);
        rows.AddRange(record.FailedSteps.Count > 0
            ? record.FailedSteps.Select(failed => Fact("last error", $"{failed.Key}: {failed.Value}"))
            : record.LastError is null ? [] : [Fact("last error", $"{record.FailedStep}: {record.LastError}")]);
        rows.AddRange(record.NotRestored.Select(what => Fact("not restored", what)));
        rows.AddRange(record.Notifications.Select(notice => Fact("notice", Notice(notice))));
        rows.AddRange(record.Approvals.Select(approval => Fact("approval", $"{approval.Status} by {approval.DecidedBy} at {Time(approval.DecidedAt)} (request {approval.RequestId})")));
        TextTable.Write(writer, rows);
    }

    public static string Time(DateTimeOffset time) => time.ToString("u", CultureInfo.InvariantCulture);

    /// <summary>"jira Started: sent 2026-11-25 10:00:03Z (SEC-1)", or "slack Completed: failed 2026-11-25 10:00:13Z: why".</summary>
    private static string Notice(NotificationResult notice)
    {
        var what = $"{notice.Notifier} {notice.Kind}: {(notice.Succeeded ? "sent" : "failed")} {Time(notice.At)}";
        return what + (notice.ExternalId is { } id ? $" ({id})" : "") + (notice.Error is { } error ? ": " + error : "");
    }

    private static string[] Fact(string name, string value) => [name, value];

    private static void AddIf(List<IReadOnlyList<string>> rows, string name, string? value)
    {
        if (value is not null)
        {
            rows.Add(Fact(name, value));
        }
    }

    private static string List(IEnumerable<string> items) => items.Any() ? string.Join(", ", items) : "(none)";
}
