using System.Collections.Concurrent;
using System.Text.Json;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Tests.Fakes;

/// <summary>The approval requests of the record table: one per instance, every write conditional on the version, as DynamoDB's.</summary>
internal sealed class FakeApprovalStore : IApprovalStore
{
    private readonly ConcurrentDictionary<string, string> _items = new(StringComparer.Ordinal);

    public int Writes { get; private set; }

    public ApprovalRequest? Stored(string instanceId) =>
        _items.Where(item => item.Key.EndsWith("/" + instanceId, StringComparison.Ordinal)).Select(item => Read(item.Value)).SingleOrDefault();

    public Task<ApprovalRequest?> GetAsync(string accountId, string region, string instanceId, CancellationToken cancellationToken) =>
        Task.FromResult(_items.TryGetValue($"{accountId}/{region}/{instanceId}", out var json) ? Read(json) : null);

    public Task PutAsync(ApprovalRequest request, long? expectedVersion, CancellationToken cancellationToken)
    {
        var key = $"{request.AccountId}/{request.Region}/{request.InstanceId}";
        lock (_items)
        {
            var stored = _items.TryGetValue(key, out var json) ? Read(json) : null;
            if (stored?.Version != expectedVersion)
            {
                throw new RecordConflictException($"The approval request of {request.InstanceId} is not at version {expectedVersion}.");
            }

            _items[key] = JsonSerializer.Serialize(request, ApprovalJsonContext.Default.ApprovalRequest);
            Writes++;
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ApprovalRequest>> ListPendingAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ApprovalRequest>>([.. _items.Values.Select(Read).Where(r => r.Status == ApprovalStatus.Pending)]);

    public Task<IReadOnlyList<ApprovalRequest>> ListDecidedNotActedAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ApprovalRequest>>(
            [.. _items.Values.Select(Read).Where(r => r.Status is ApprovalStatus.Approved or ApprovalStatus.Denied && r.Outcome is null)]);

    private static ApprovalRequest Read(string json) => JsonSerializer.Deserialize(json, ApprovalJsonContext.Default.ApprovalRequest)!;
}

/// <summary>A Slack channel that keeps what it was sent.</summary>
internal sealed class FakeApprovalChannel : IApprovalChannel
{
    public List<ApprovalRequest> Requests { get; } = [];
    public List<(string Title, string Text)> Notices { get; } = [];
    public List<(ApprovalRequest Request, Uri ResponseUrl)> Updates { get; } = [];

    /// <summary>Set: every post fails with it (Slack down).</summary>
    public Exception? Failure { get; set; }

    public Task PostRequestAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        if (Failure is { } failure)
        {
            throw failure;
        }

        Requests.Add(request);
        return Task.CompletedTask;
    }

    public Task PostNoticeAsync(string title, string text, IReadOnlyDictionary<string, string> facts, CancellationToken cancellationToken)
    {
        Notices.Add((title, text));
        return Task.CompletedTask;
    }

    public Task UpdateRequestAsync(ApprovalRequest request, Uri responseUrl, CancellationToken cancellationToken)
    {
        Updates.Add((request, responseUrl));
        return Task.CompletedTask;
    }
}

/// <summary>A signing secret held in memory.</summary>
internal sealed class FixedSecret(string value) : ISecretSource
{
    public Task<string> GetAsync(CancellationToken cancellationToken) => Task.FromResult(value);
}

/// <summary>
/// Lambda's asynchronous Invoke of the function itself: keeps each hand-off, or refuses them all as Lambda does when
/// throttled (TooManyRequestsException, 429: https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html#API_Invoke_Errors).
/// </summary>
internal sealed class FakeApprovalHandOff : IApprovalHandOff
{
    public List<ApprovalHandOff> HandedOff { get; } = [];

    /// <summary>Set: every hand-off fails with it.</summary>
    public Exception? Failure { get; set; }

    public Task HandOffAsync(ApprovalHandOff handOff, CancellationToken cancellationToken)
    {
        if (Failure is { } failure)
        {
            throw failure;
        }

        HandedOff.Add(handOff);
        return Task.CompletedTask;
    }
}
