using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation;

/// <summary>
/// The right of one run to write a record. Every write is conditional on the version this run last wrote, and
/// renews the lease; another run may take over only once the lease has expired (the owner died).
/// </summary>
internal sealed class RecordLease
{
    private readonly IRecordStore _store;
    private readonly TimeProvider _time;
    private readonly LeaseTerm _term;
    private readonly string _owner;

    private RecordLease(IRecordStore store, TimeProvider time, LeaseTerm term, IsolationRecord record)
    {
        _store = store;
        _time = time;
        _term = term;
        _owner = record.LeaseOwner!;
        Record = record;
    }

    public IsolationRecord Record { get; }

    /// <summary>
    /// Claims <paramref name="record"/> (new, or replacing <paramref name="current"/>) for this run with a conditional write.
    /// Throws <see cref="IsolationBusyException"/> when another run holds it or wins the race.
    /// </summary>
    public static async Task<RecordLease> AcquireAsync(
        IRecordStore store, TimeProvider time, LeaseTerm term, IsolationRecord record, IsolationRecord? current, CancellationToken cancellationToken)
    {
        // current may be the very object being claimed (a resumed record): read its state before changing it.
        var expectedVersion = current?.Version;
        if (current is { LeaseOwner: not null, LeaseExpiresAt: { } expires } && expires > time.GetUtcNow())
        {
            throw new IsolationBusyException(
                $"{record.InstanceId} is being worked on by another run until {expires:O}; nothing was changed. Check 'status' and retry after that time.");
        }

        try
        {
            return await ClaimAsync(store, time, term, record, expectedVersion, cancellationToken);
        }
        catch (RecordConflictException e)
        {
            throw new IsolationBusyException(
                $"Another run claimed {record.InstanceId} at the same moment; nothing was changed by this run. ({e.Message})");
        }
    }

    /// <summary>
    /// Claims <paramref name="record"/>, new, for this run with a write that requires there to be no record yet, without
    /// reading first. Null when there is one: nothing was changed, and the caller reads it to decide.
    /// </summary>
    public static async Task<RecordLease?> TryCreateAsync(
        IRecordStore store, TimeProvider time, LeaseTerm term, IsolationRecord record, CancellationToken cancellationToken)
    {
        try
        {
            return await ClaimAsync(store, time, term, record, expectedVersion: null, cancellationToken);
        }
        catch (RecordConflictException)
        {
            return null;
        }
    }

    private static async Task<RecordLease> ClaimAsync(
        IRecordStore store, TimeProvider time, LeaseTerm term, IsolationRecord record, long? expectedVersion, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        record.Version = (expectedVersion ?? 0) + 1;
        record.LeaseOwner = Guid.NewGuid().ToString("N");
        record.LeaseExpiresAt = term.ExpiresAt(now);
        record.UpdatedAt = now;
        try
        {
            await store.PutAsync(record, expectedVersion, cancellationToken);
        }
        catch (RecordConflictException)
        {
            record.Version = expectedVersion ?? 0;
            throw;
        }

        return new RecordLease(store, time, term, record);
    }

    /// <summary>Writes the record and renews the lease. Fails when another run has taken the record over.</summary>
    public Task SaveAsync(CancellationToken cancellationToken) => WriteAsync(keepLease: true, cancellationToken);

    /// <summary>Writes the record and gives the lease up, so that the next run may start at once.</summary>
    public Task ReleaseAsync(CancellationToken cancellationToken) => WriteAsync(keepLease: false, cancellationToken);

    private async Task WriteAsync(bool keepLease, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var expected = Record.Version;
        Record.Version = expected + 1;
        Record.UpdatedAt = now;
        Record.LeaseOwner = keepLease ? _owner : null;
        Record.LeaseExpiresAt = keepLease ? _term.ExpiresAt(now) : null;
        try
        {
            await _store.PutAsync(Record, expected, cancellationToken);
        }
        catch
        {
            Record.Version = expected;
            throw;
        }
    }
}
