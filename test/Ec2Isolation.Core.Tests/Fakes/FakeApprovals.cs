using Ec2Isolation.Core.Approvals;

namespace Ec2Isolation.Core.Tests.Fakes;

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

    /// <summary>Set: every message update fails with it (the response URL used up or expired, Slack down).</summary>
    public Exception? UpdateFailure { get; set; }

    /// <summary>Set: every message update waits until it is cancelled (Slack that does not answer).</summary>
    public bool UpdateHangs { get; set; }

    /// <summary>Completes once an update hangs: the caller's time-out is armed by then, so a test may move the clock past it.</summary>
    public Task UpdateHanging => _updateHanging.Task;

    private readonly TaskCompletionSource _updateHanging = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task UpdateRequestAsync(ApprovalRequest request, Uri responseUrl, CancellationToken cancellationToken)
    {
        if (UpdateHangs)
        {
            _updateHanging.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        if (UpdateFailure is { } failure)
        {
            throw failure;
        }

        Updates.Add((request, responseUrl));
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

/// <summary>A ticket system (Jira) that keeps what it was sent: each opened ticket gets the next key, SEC-1 first.</summary>
internal sealed class FakeApprovalTicket : IApprovalTicket
{
    public List<(string Key, string Title, string Text, IReadOnlyDictionary<string, string> Facts)> Opened { get; } = [];
    public List<(string Key, string Title, string Text)> Comments { get; } = [];

    /// <summary>Set: every call fails with it (Jira down).</summary>
    public Exception? Failure { get; set; }

    /// <summary>Set: every call waits until it is cancelled (Jira that does not answer).</summary>
    public bool Hangs { get; set; }

    /// <summary>
    /// Completes once a call hangs: the caller's time-out is armed by then, so a test may move the clock past it (moved
    /// earlier, the time-out's timer would be created after the move and never fire).
    /// </summary>
    public Task Hanging => _hanging.Task;

    private readonly TaskCompletionSource _hanging = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set: runs once, while the next ticket is being opened (a decision made meanwhile, say).</summary>
    public Func<Task>? WhileNextOpening { get; set; }

    public async Task<string> OpenAsync(string title, string text, IReadOnlyDictionary<string, string> facts, CancellationToken cancellationToken)
    {
        await AnswerAsync(cancellationToken);
        var key = $"SEC-{Opened.Count + 1}";
        Opened.Add((key, title, text, facts));
        if (WhileNextOpening is { } meanwhile)
        {
            WhileNextOpening = null;
            await meanwhile();
        }

        return key;
    }

    public async Task CommentAsync(string key, string title, string text, IReadOnlyDictionary<string, string> facts, CancellationToken cancellationToken)
    {
        await AnswerAsync(cancellationToken);
        Comments.Add((key, title, text));
    }

    private async Task AnswerAsync(CancellationToken cancellationToken)
    {
        if (Hangs)
        {
            _hanging.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        if (Failure is { } failure)
        {
            throw failure;
        }
    }
}
