using System.Globalization;
using System.Text.Json;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Notifications;

/// <summary>
/// The notices of one run. <see cref="Notify"/> returns at once: each notifier gets its notices in order, on a chain of
/// its own in the background, each bounded by a timeout; a failure is logged and kept, never thrown. A receipt naming a
/// new ticket tags the instance with it. <see cref="SettleAsync"/> waits (bounded) for what is pending at the end of the
/// run and writes what became of every notice into the record.
/// </summary>
internal sealed class NoticeDispatcher
{
    /// <summary>The name the ticket tag's result carries in the record.</summary>
    public const string TicketTag = "instance-tag";

    /// <summary>How long the end of a cancelled run (a deadline) waits for its notices: the Lambda has seconds left.</summary>
    private static readonly TimeSpan CancelledRunGrace = TimeSpan.FromSeconds(1);

    private readonly Chain[] _chains;
    private readonly IEc2Api _ec2;
    private readonly string _ticketTagKey;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _timeout;
    private readonly TamperingCall? _tampering;
    private readonly Lock _lock = new();
    private readonly List<Slot> _slots = [];
    private string? _ticketKey;

    private NoticeDispatcher(
        IEnumerable<IIsolationNotifier> notifiers, IEc2Api ec2, string ticketTagKey, TimeProvider time, ILogger logger, TimeSpan timeout, TamperingCall? tampering)
    {
        _chains = [.. notifiers.Select(notifier => new Chain(notifier))];
        _ec2 = ec2;
        _ticketTagKey = ticketTagKey;
        _time = time;
        _logger = logger;
        _timeout = timeout;
        _tampering = tampering;
    }

    /// <summary>A dispatcher for one run, or null when no notifier is configured: the run then does nothing more than before.</summary>
    /// <param name="ec2">Where the ticket tag is written.</param>
    /// <param name="ticketTagKey">The instance tag that names the ticket (<c>ec2-isolation:ticket</c>).</param>
    /// <param name="tampering">For a re-containment after tampering: the call, carried by every notice of the run.</param>
    public static NoticeDispatcher? For(
        IReadOnlyCollection<IIsolationNotifier> notifiers, IEc2Api ec2, string ticketTagKey, TimeProvider time, ILogger logger, TimeSpan timeout,
        TamperingCall? tampering = null) =>
        notifiers.Count == 0 ? null : new(notifiers, ec2, ticketTagKey, time, logger, timeout, tampering);

    /// <summary>Queues a notice to every notifier and returns at once.</summary>
    public void Notify(NoticeKind kind, IsolationRecord record, string? error = null)
    {
        // The run goes on changing its record: every notice carries the record as it is now.
        var snapshot = JsonSerializer.SerializeToUtf8Bytes(record, IsolationJsonContext.Default.IsolationRecord);
        foreach (var chain in _chains)
        {
            var slot = AddSlot(chain.Notifier.Name, kind);
            var previous = chain.Tail;
            chain.Tail = Task.Run(async () =>
            {
                await previous;
                var copy = JsonSerializer.Deserialize(snapshot, IsolationJsonContext.Default.IsolationRecord)!;
                copy.TicketKey ??= chain.TicketKey;
                await SendAsync(chain, slot, new IsolationNotice(kind, copy, IsolationNotice.ReleaseCommandFor(copy), error) { Tampering = _tampering });
            });
        }
    }

    /// <summary>
    /// Waits for the pending notices, at most <see cref="NoticeTiming.SettleBound"/> (less when the run's token is cancelled already), then
    /// adds what became of each to the record (an unanswered one as such), and the ticket key. Never throws.
    /// </summary>
    public async Task SettleAsync(IsolationRecord record, CancellationToken cancellationToken)
    {
        var cancelled = cancellationToken.IsCancellationRequested;
        try
        {
            await Task.WhenAll(_chains.Select(chain => chain.Tail))
                .WaitAsync(cancelled ? CancelledRunGrace : NoticeTiming.SettleBound(_timeout), _time, cancelled ? CancellationToken.None : cancellationToken);
        }
#pragma warning disable CA1031 // The run's own outcome is what the caller must see; a notice left unanswered is recorded as such.
        catch (Exception)
#pragma warning restore CA1031
        {
        }

        var now = _time.GetUtcNow();
        lock (_lock)
        {
            record.Notifications.AddRange(_slots.Select(slot => slot.Result
                ?? new NotificationResult(slot.Notifier, slot.Kind, false, now, "No answer yet when the run ended; the log tells the rest.")));
            record.TicketKey ??= _ticketKey;
        }
    }

    private async Task SendAsync(Chain chain, Slot slot, IsolationNotice notice)
    {
        var instanceId = notice.Record.InstanceId;
        var receipt = await BoundedAsync(slot, instanceId, token => chain.Notifier.NotifyAsync(notice, token));
        if (receipt?.ExternalId is not { } ticket || ticket == notice.Record.TicketKey)
        {
            return;
        }

        chain.TicketKey = ticket;
        lock (_lock)
        {
            _ticketKey ??= ticket;
        }

        var tags = new Dictionary<string, string> { [_ticketTagKey] = ticket };
        await BoundedAsync(AddSlot(TicketTag, notice.Kind), instanceId, async token =>
        {
            await _ec2.CreateTagsAsync(instanceId, tags, token);
            return new NotificationReceipt(ticket);
        });
    }

    /// <summary>One send, bounded by the timeout; its slot says what happened. Never throws.</summary>
    private async Task<NotificationReceipt?> BoundedAsync(Slot slot, string instanceId, Func<CancellationToken, Task<NotificationReceipt>> send)
    {
        using var timeout = new CancellationTokenSource(_timeout, _time);
        NotificationReceipt? receipt = null;
        string? error = null;
        try
        {
            // WaitAsync too: a sender that ignores its token is not waited for past the timeout either.
            receipt = await send(timeout.Token).WaitAsync(timeout.Token);
            NotificationLog.Sent(_logger, slot.Kind, instanceId, slot.Notifier);
        }
#pragma warning disable CA1031 // A failed notice must never fail the run: it is logged and recorded.
        catch (Exception e)
#pragma warning restore CA1031
        {
            error = e is OperationCanceledException && timeout.IsCancellationRequested
                ? string.Create(CultureInfo.InvariantCulture, $"No answer within {_timeout.TotalSeconds} s.")
                : e.Message;

            // The message only: notifiers keep secrets out of it, an inner exception might not.
            NotificationLog.Failed(_logger, slot.Kind, instanceId, slot.Notifier, error);
        }

        var result = new NotificationResult(slot.Notifier, slot.Kind, error is null, _time.GetUtcNow(), error, receipt?.ExternalId);
        lock (_lock)
        {
            slot.Result = result;
        }

        return receipt;
    }

    private Slot AddSlot(string notifier, NoticeKind kind)
    {
        var slot = new Slot(notifier, kind);
        lock (_lock)
        {
            _slots.Add(slot);
        }

        return slot;
    }

    /// <summary>One notifier's notices, each sent after the one before it has finished.</summary>
    private sealed class Chain(IIsolationNotifier notifier)
    {
        public IIsolationNotifier Notifier { get; } = notifier;
        public Task Tail { get; set; } = Task.CompletedTask;

        /// <summary>The ticket this notifier opened in this run, for its later notices.</summary>
        public string? TicketKey { get; set; }
    }

    /// <summary>A notice sent, in the order sent; its result once it has one.</summary>
    private sealed class Slot(string notifier, NoticeKind kind)
    {
        public string Notifier { get; } = notifier;
        public NoticeKind Kind { get; } = kind;
        public NotificationResult? Result { get; set; }
    }
}
