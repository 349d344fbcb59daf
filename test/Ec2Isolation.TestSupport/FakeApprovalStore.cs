using System.Collections.Concurrent;
using System.Text.Json;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.TestSupport;

/// <summary>The approval requests of the record table: one per instance, every write conditional on the version, as DynamoDB's.</summary>
public sealed class FakeApprovalStore : IApprovalStore
{
    private readonly ConcurrentDictionary<string, string> _items = new(StringComparer.Ordinal);

    public int Writes { get; private set; }

    public ApprovalRequest? Stored(string instanceId) =>
        _items.Where(item => item.Key.EndsWith("/" + instanceId, StringComparison.Ordinal)).Select(item => Read(item.Value)).SingleOrDefault();

    public Task<ApprovalRequest?> GetAsync(string accountId, string region, string instanceId, CancellationToken cancellationToken) =>
        Task.FromResult(_items.TryGetValue($"{accountId}/{region}/{instanceId}", out var json) ? Read(json) : null);

    /// <summary>
    /// Set: runs once, at the start of the next write, before its condition is checked (another run's write landing
    /// between this run's read and its write).
    /// </summary>
    public Func<Task>? BeforeNextPut { get; set; }

    public async Task PutAsync(ApprovalRequest request, long? expectedVersion, CancellationToken cancellationToken)
    {
        if (BeforeNextPut is { } interleaved)
        {
            BeforeNextPut = null;
            await interleaved();
        }

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
    }

    public Task<IReadOnlyList<ApprovalRequest>> ListPendingAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ApprovalRequest>>([.. _items.Values.Select(Read).Where(r => r.Status == ApprovalStatus.Pending)]);

    public Task<IReadOnlyList<ApprovalRequest>> ListDecidedNotActedAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ApprovalRequest>>(
            [.. _items.Values.Select(Read).Where(r => r.Status is ApprovalStatus.Approved or ApprovalStatus.Denied && r.Outcome is null)]);

    private static ApprovalRequest Read(string json) => JsonSerializer.Deserialize(json, ApprovalJsonContext.Default.ApprovalRequest)!;
}
