using System.Collections.Concurrent;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Notifications;

namespace Ec2Isolation.Core.Tests.Notifications;

/// <summary>A notifier that keeps every notice it is given and answers as its script says (by default: at once, no id).</summary>
internal sealed class ScriptedNotifier(string name, Func<IsolationNotice, CancellationToken, Task<NotificationReceipt>>? script = null)
    : IIsolationNotifier
{
    public ConcurrentQueue<IsolationNotice> Notices { get; } = new();

    /// <summary>What happened, in order: <c>Kind&gt;</c> when a notice arrives, <c>Kind&lt;</c> once it has been answered.</summary>
    public ConcurrentQueue<string> Events { get; } = new();

    public string Name => name;

    public IReadOnlyList<NoticeKind> Kinds => [.. Notices.Select(notice => notice.Kind)];

    public async Task<NotificationReceipt> NotifyAsync(IsolationNotice notice, CancellationToken cancellationToken)
    {
        Notices.Enqueue(notice);
        Events.Enqueue(notice.Kind + ">");
        try
        {
            return script is null ? new NotificationReceipt() : await script(notice, cancellationToken);
        }
        finally
        {
            Events.Enqueue(notice.Kind + "<");
        }
    }
}
