using System.Text.Json.Serialization;

namespace Ec2Isolation.Core.Approvals;

/// <summary>Where an approval request stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ApprovalStatus>))]
public enum ApprovalStatus
{
    Pending,
    Approved,
    Denied,
    /// <summary>Nobody decided in time; <see cref="ApprovalRequest.OnExpiry"/> was applied.</summary>
    Expired,
}

/// <summary>
/// A tier's request for approval before isolating one instance: durable in the record table (one current request per
/// instance), decided once (every write is conditional on <see cref="Version"/>), then kept with its decision.
/// </summary>
public sealed class ApprovalRequest
{
    /// <summary>Random, unguessable; the Slack buttons carry it, so that a click on an older request's message changes nothing.</summary>
    public required string RequestId { get; init; }
    public required string AccountId { get; init; }
    public required string Region { get; init; }
    public required string InstanceId { get; init; }

    /// <summary>One of <see cref="Triggers"/>.</summary>
    public required string Trigger { get; init; }
    public required string Reason { get; init; }
    public string? FindingId { get; init; }
    public string? FindingTitle { get; init; }
    public double? Severity { get; init; }
    public required string SourceEventId { get; init; }
    public required DateTimeOffset RequestedAt { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public required ExpiryAction OnExpiry { get; init; }

    /// <summary>What a responder needs to decide: the instance's name, its Auto Scaling group, its load balancers' target groups.</summary>
    public Dictionary<string, string> Evidence { get; set; } = [];

    public ApprovalStatus Status { get; set; } = ApprovalStatus.Pending;

    /// <summary>When the Slack message went out; null while it has not (a retry of the event posts it).</summary>
    public DateTimeOffset? PostedAt { get; set; }

    /// <summary>The Slack user (id and name) who decided, or <c>time-out</c>.</summary>
    public string? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }

    /// <summary>What the decision did (isolated, nothing changed, why it failed), for people.</summary>
    public string? Outcome { get; set; }

    public long Version { get; set; }

    /// <summary>
    /// The ticket opened for the request (the Jira issue key); null without Jira, or while opening it failed. The decision
    /// is commented on it, and an isolation it leads to starts its record with it, so that its notices comment there too.
    /// </summary>
    public string? TicketKey { get; set; }

    /// <summary>What the Slack buttons carry: the instance's key and the request id.</summary>
    public string ButtonValue => $"{AccountId}/{Region}/{InstanceId}/{RequestId}";

    public bool IsExpired(DateTimeOffset now) => Status == ApprovalStatus.Pending && now >= ExpiresAt;
}

/// <summary>A decision, as the isolation record keeps it.</summary>
/// <param name="RequestId">The approval request.</param>
/// <param name="Status">Approved, denied or expired.</param>
/// <param name="DecidedBy">The Slack user, or <c>time-out</c>.</param>
/// <param name="LoadBalancers">The load balancers the request showed (its evidence), for the ticket; null in records written before.</param>
public sealed record ApprovalDecision(string RequestId, ApprovalStatus Status, string DecidedBy, DateTimeOffset DecidedAt, string? LoadBalancers = null);

/// <summary>Source-generated JSON for approval requests (no reflection: the Lambda is Native AOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApprovalRequest))]
public sealed partial class ApprovalJsonContext : JsonSerializerContext;
