using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Events;

/// <summary>
/// Tampering: CloudTrail recorded an EC2 call on a resource of an instance whose isolation is in force (the instance,
/// one of its network interfaces, its deny-all profile association). The instance is re-contained at once through the
/// engine (a network that drifted is re-contained; the profile or the protection the call concerns is applied again),
/// its notifiers hear of it, and the call, its caller and whether EC2 refused it are logged and carried in the result.
/// The records are read by the instances the call names (records are keyed by instance), never scanned: a network
/// interface is resolved to its instance with one read. Rule changes to an isolation group of ours are undone
/// (IsolationEventProcessor.GroupRules.cs). The function's own calls (its role, or the member role it assumes) are never
/// tampering; the stack's rule leaves them out already, this is the defence in depth.
/// </summary>
public sealed partial class IsolationEventProcessor
{
    /// <summary>How a tag-change isolation's record names who asked until CloudTrail's CreateTags names the caller.</summary>
    internal const string TagChangeRequester = "tag-change event ";

    /// <summary>
    /// The calls that can undo an isolation, with the steps to apply again after each; the network needs none: the
    /// engine re-contains a network that drifted. Security group rule changes are undone on the group itself.
    /// </summary>
    private static readonly Dictionary<string, string[]> TamperingCalls = new(StringComparer.Ordinal)
    {
        ["ModifyNetworkInterfaceAttribute"] = [],
        ["ModifyInstanceAttribute"] = [StepNames.Protection],
        ["AssociateIamInstanceProfile"] = [StepNames.InstanceProfile],
        ["ReplaceIamInstanceProfileAssociation"] = [StepNames.InstanceProfile],
        ["DisassociateIamInstanceProfile"] = [StepNames.InstanceProfile],
        ["StopInstances"] = [StepNames.Protection],
        ["TerminateInstances"] = [StepNames.Protection],
        ["AuthorizeSecurityGroupIngress"] = [],
        ["AuthorizeSecurityGroupEgress"] = [],
        ["RevokeSecurityGroupIngress"] = [],
        ["RevokeSecurityGroupEgress"] = [],
        ["ModifySecurityGroupRules"] = [],
    };

    /// <summary>The CloudTrail name of the call that applies tags: the tamper rule matches it only when it applies the trigger tag.</summary>
    public const string CreateTagsCallName = "CreateTags";

    /// <summary>The CloudTrail event names the tamper rule matches (CreateTags apart: it matches only with the trigger tag).</summary>
    public static IReadOnlyCollection<string> TamperingCallNames => TamperingCalls.Keys;

    private async Task<EventResult> OnApiCallAsync(AccountServices services, IsolationEvent.ApiCall call, CancellationToken cancellationToken)
    {
        var kind = call.Kind;
        var tampering = new TamperingCall(call.EventName, call.Caller, call.ErrorCode) { CallerType = call.CallerType };
        if (IsOwnCall(call.CallerRoleArn))
        {
            LogIgnored(logger, kind, "the function's own call");
            return Ignored(call, kind, null, $"{call.EventName} was this function's own call; nothing to do.") with { Tampering = tampering };
        }

        if (call.EventName == IsolationEvent.ApiCall.CreateTags)
        {
            return await OnTriggerTagCallAsync(services, call, cancellationToken);
        }

        if (!TamperingCalls.TryGetValue(call.EventName, out var redo))
        {
            LogIgnored(logger, kind, "not a call that can undo an isolation");
            return Ignored(call, kind, null, $"{InstanceIds.Printable(call.EventName)} cannot undo an isolation; nothing to do.") with { Tampering = tampering };
        }

        if (GroupRuleCalls.Contains(call.EventName))
        {
            return await OnGroupRuleCallAsync(services, call, tampering, cancellationToken);
        }

        var touched = await RecordsInForceAsync(services, call, cancellationToken);
        if (touched.RemoveAll(record => IsEvidenceStop(record, call)) > 0 && touched.Count == 0)
        {
            LogIgnored(logger, kind, "the evidence stop the record names");
            return Ignored(call, kind, null, $"{call.EventName} by {call.Caller} is the stop after evidence its record names; nothing to do.") with { Tampering = tampering };
        }

        if (touched.Count == 0)
        {
            LogIgnored(logger, kind, "no isolation in force is touched");
            return Ignored(call, kind, null, $"{call.EventName} touches no instance whose isolation is in force; nothing to do.") with { Tampering = tampering };
        }

        var outcomes = new List<InstanceOutcome>();
        foreach (var record in touched)
        {
            LogTampering(logger, record.InstanceId, call.EventName, call.Caller, tampering.Verdict);
            var outcome = await IsolateAsync(
                call,
                services.Isolation,
                new IsolationRequest(
                    record.InstanceId, $"Re-contained: {call.EventName} by {call.Caller} {tampering.Verdict}", RequestedBy: "tamper event " + call.EventId,
                    Redo: redo, Tampering: tampering),
                cancellationToken);
            outcomes.Add(outcome);
        }

        var action = ActionPrecedence.First(outcome => outcomes.Any(o => o.Outcome == outcome));
        return Result(call, kind, action, $"{call.EventName} by {call.Caller} {tampering.Verdict} touched {touched.Count} isolated instance(s); re-contained.",
            [.. outcomes.OrderBy(o => o.InstanceId, StringComparer.Ordinal)]) with { Tampering = tampering };
    }

    /// <summary>
    /// Whether the call is part of the stop after evidence the record names (<c>ec2-isolation stop</c> lifts stop
    /// protection for its call alone, stops the instance and puts the protection back): the same caller, whose
    /// CloudTrail <c>userIdentity.arn</c> is the ARN the stop recorded from STS GetCallerIdentity.
    /// </summary>
    private static bool IsEvidenceStop(IsolationRecord record, IsolationEvent.ApiCall call) =>
        call.EventName is "StopInstances" or "ModifyInstanceAttribute"
        && record.Stop is { StartedAgainAt: null } stop
        && string.Equals(stop.RequestedBy, call.Caller, StringComparison.Ordinal);

    /// <summary>
    /// The records in force, in the event's account, of the instances the call names: by their ids, and for network
    /// interfaces by the instance each is attached to (one read). A profile association call names its instance in its
    /// response (iamInstanceProfileAssociation.instanceId,
    /// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DisassociateIamInstanceProfile.html); one EC2 refused
    /// changed nothing, and names only the association.
    /// </summary>
    private static async Task<List<IsolationRecord>> RecordsInForceAsync(AccountServices services, IsolationEvent.ApiCall call, CancellationToken cancellationToken)
    {
        var instanceIds = new SortedSet<string>(call.IdsOf("i-").Where(InstanceIds.IsInstanceId), StringComparer.Ordinal);
        if (call.IdsOf("eni-") is { Count: > 0 } interfaces)
        {
            instanceIds.UnionWith((await services.Ec2.FindAttachedInstancesAsync(interfaces, cancellationToken)).Values.Where(InstanceIds.IsInstanceId));
        }

        var records = new List<IsolationRecord>();
        foreach (var instanceId in instanceIds.Take(MaxInstancesPerEvent))
        {
            if (await services.Isolation.GetStatusAsync(instanceId, cancellationToken) is { Status: IsolationStatus.Isolated or IsolationStatus.Isolating } record
                && record.AccountId == call.Account)
            {
                records.Add(record);
            }
        }

        return records;
    }

    /// <summary>
    /// The CreateTags that applied the trigger tag: who asked for the isolation its Tag Change event started, which that
    /// event does not say. The record gains the caller as requestedBy when it names only the event; nothing else changes.
    /// </summary>
    private async Task<EventResult> OnTriggerTagCallAsync(AccountServices services, IsolationEvent.ApiCall call, CancellationToken cancellationToken)
    {
        var kind = call.Kind;
        var trigger = new KeyValuePair<string, string>(settings.TriggerTagKey, settings.TriggerTagValue);
        if (call.ErrorCode is not null || !call.Tags.Contains(trigger))
        {
            LogIgnored(logger, kind, "not the trigger tag applied");
            return Ignored(call, kind, null, $"Not {trigger.Key}={trigger.Value} applied; nothing to do.");
        }

        var outcomes = new List<InstanceOutcome>();
        foreach (var instanceId in call.IdsOf("i-").Where(InstanceIds.IsInstanceId).Take(MaxInstancesPerEvent))
        {
            var naming = await services.Isolation.NameRequesterAsync(instanceId, call.Caller, TagChangeRequester, cancellationToken);
            outcomes.Add(naming switch
            {
                { Outcome: RequesterNamingOutcome.Named, Record: { } record } => InstanceOutcome.FromRecord(
                    record.Status is IsolationStatus.Isolated or IsolationStatus.Isolating ? Outcomes.AlreadyIsolated : Outcomes.Ignored,
                    record, $"{instanceId}'s isolation was asked for by {call.Caller}; recorded as its requestedBy."),
                { Outcome: RequesterNamingOutcome.Busy } => new InstanceOutcome(
                    instanceId, Outcomes.Busy, $"A run holds {instanceId}'s record; its requestedBy was left as it is."),
                { Record: { } record } => InstanceOutcome.FromRecord(
                    Outcomes.Ignored, record, $"{instanceId}'s record names who asked already ({record.RequestedBy}); nothing changed."),
                _ => new InstanceOutcome(instanceId, Outcomes.Ignored, $"{instanceId} has no isolation record; nothing to name."),
            });
        }

        if (outcomes.Count == 0)
        {
            LogIgnored(logger, kind, "no instance tagged");
            return Ignored(call, kind, null, "The trigger tag was applied to no EC2 instance; nothing to do.");
        }

        var action = ActionPrecedence.First(outcome => outcomes.Any(o => o.Outcome == outcome));
        return Result(call, kind, action, $"{call.Caller} applied {trigger.Key}={trigger.Value} to {outcomes.Count} instance(s).", outcomes);
    }

    /// <summary>A call by this function's role, or by the member role it assumes in member accounts.</summary>
    private bool IsOwnCall(string? callerRoleArn) =>
        callerRoleArn is not null
        && (callerRoleArn == settings.EventKinds.OwnRoleArn
            || (settings.Accounts is { } central && callerRoleArn.EndsWith(":role/" + central.MemberRoleName, StringComparison.Ordinal)));

    [LoggerMessage(2007, LogLevel.Warning, "Tampering with isolated {InstanceId}: {EventName} by {Caller} {Verdict}; re-containing it")]
    private static partial void LogTampering(ILogger logger, string instanceId, string eventName, string caller, string verdict);
}
