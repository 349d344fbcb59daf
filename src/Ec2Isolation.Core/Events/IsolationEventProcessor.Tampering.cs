using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Events;

/// <summary>
/// Tampering: CloudTrail recorded an EC2 call on a resource of an instance whose isolation is in force (the instance,
/// one of its network interfaces, its isolation groups, its deny-all profile association). The instance is re-contained
/// at once through the engine (a network that drifted is re-contained; the profile or the protection the call concerns
/// is applied again), and the call, its caller and whether EC2 refused it are logged and carried in the result.
/// The function's own calls (its role, or the member role it assumes) are never tampering.
/// </summary>
public sealed partial class IsolationEventProcessor
{
    /// <summary>
    /// The calls that can undo an isolation, with the steps to apply again after each; the network needs none: the
    /// engine re-contains a network that drifted. Security group rule changes are reported, not reverted.
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

    /// <summary>The CloudTrail event names the tamper rule matches.</summary>
    public static IReadOnlyCollection<string> TamperingCallNames => TamperingCalls.Keys;

    private async Task<EventResult> OnApiCallAsync(AccountServices services, IsolationEvent.ApiCall call, CancellationToken cancellationToken)
    {
        var kind = call.Kind;
        var tampering = new TamperingCall(call.EventName, call.Caller, call.ErrorCode);
        if (!TamperingCalls.TryGetValue(call.EventName, out var redo))
        {
            LogIgnored(logger, kind, "not a call that can undo an isolation");
            return Ignored(call, kind, null, $"{InstanceIds.Printable(call.EventName)} cannot undo an isolation; nothing to do.") with { Tampering = tampering };
        }

        if (IsOwnCall(call.CallerRoleArn))
        {
            LogIgnored(logger, kind, "the function's own call");
            return Ignored(call, kind, null, $"{call.EventName} was this function's own call; nothing to do.") with { Tampering = tampering };
        }

        var touched = (await services.Isolation.ListAsync(cancellationToken))
            .Where(record => record.Status is IsolationStatus.Isolated or IsolationStatus.Isolating
                && record.AccountId == call.Account && Touches(record, call.ResourceIds))
            .ToList();
        if (touched.Count == 0)
        {
            LogIgnored(logger, kind, "no isolation in force is touched");
            return Ignored(call, kind, null, $"{call.EventName} touches no instance whose isolation is in force; nothing to do.") with { Tampering = tampering };
        }

        var verdict = call.ErrorCode is { } error ? "refused by EC2 (" + InstanceIds.Printable(error) + ")" : "succeeded";
        var outcomes = new List<InstanceOutcome>();
        foreach (var record in touched)
        {
            LogTampering(logger, record.InstanceId, call.EventName, call.Caller, verdict);
            var outcome = await IsolateAsync(
                call,
                services.Isolation,
                new IsolationRequest(
                    record.InstanceId, $"Re-contained: {call.EventName} by {call.Caller} {verdict}", RequestedBy: "tamper event " + call.EventId, Redo: redo),
                cancellationToken);
            outcomes.Add(outcome);
        }

        var action = ActionPrecedence.First(outcome => outcomes.Any(o => o.Outcome == outcome));
        return Result(call, kind, action, $"{call.EventName} by {call.Caller} {verdict} touched {touched.Count} isolated instance(s); re-contained.",
            [.. outcomes.OrderBy(o => o.InstanceId, StringComparer.Ordinal)]) with { Tampering = tampering };
    }

    /// <summary>A call by this function's role, or by the member role it assumes in member accounts.</summary>
    private bool IsOwnCall(string? callerRoleArn) =>
        callerRoleArn is not null
        && (callerRoleArn == settings.EventKinds.OwnRoleArn
            || (settings.Accounts is { } central && callerRoleArn.EndsWith(":role/" + central.MemberRoleName, StringComparison.Ordinal)));

    /// <summary>Whether the call names the instance, one of its network interfaces, its isolation groups or its profile association.</summary>
    private static bool Touches(IsolationRecord record, IReadOnlySet<string> ids) =>
        ids.Contains(record.InstanceId)
        || record.Original.NetworkInterfaces.Any(eni => ids.Contains(eni.NetworkInterfaceId))
        || new[] { record.Artifacts.QuarantineGroupId, record.Artifacts.AllTrafficGroupId, record.Artifacts.IsolationProfileAssociationId }
            .Any(id => id is not null && ids.Contains(id));

    [LoggerMessage(2007, LogLevel.Warning, "Tampering with isolated {InstanceId}: {EventName} by {Caller} {Verdict}; re-containing it")]
    private static partial void LogTampering(ILogger logger, string instanceId, string eventName, string caller, string verdict);
}
