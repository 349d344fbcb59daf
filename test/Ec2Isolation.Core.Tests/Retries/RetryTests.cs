using Ec2Isolation.Core.Retries;
using Ec2Isolation.Core.Tests.Fakes;

namespace Ec2Isolation.Core.Tests.Retries;

public sealed class RetryTests
{
    private static readonly Backoff FourAttempts = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300), Attempts: 4);

    private readonly ImmediateTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task WhileAsync_AnswerNotYetTwice_ReturnsTheThirdAnswerAfterTwoWaits()
    {
        var answers = new Queue<string>(["associating", "associating", "associated"]);

        var answer = await Retry.WhileAsync(_ => Task.FromResult(answers.Dequeue()), a => a == "associating", _ => false, FourAttempts, _time, CancellationToken.None);

        Assert.Equal("associated", answer);
        Assert.Equal(2, _time.Waits.Count);
    }

    [Fact]
    public async Task WhileAsync_AnswerNeverFinal_ReturnsTheLastAnswerAfterEveryAttempt()
    {
        var calls = 0;

        var answer = await Retry.WhileAsync(_ => Task.FromResult(++calls), _ => true, _ => false, FourAttempts, _time, CancellationToken.None);

        Assert.Equal(4, answer);
        Assert.Equal(3, _time.Waits.Count);
    }

    [Fact]
    public async Task OnErrorAsync_TransientErrorEveryTime_ThrowsTheLastErrorAfterEveryAttempt()
    {
        var calls = 0;

        var error = await Assert.ThrowsAsync<TimeoutException>(() => Retry.OnErrorAsync(
            _ => throw new TimeoutException($"attempt {++calls}"), e => e is TimeoutException, FourAttempts, _time, CancellationToken.None));

        Assert.Equal("attempt 4", error.Message);
    }

    [Fact]
    public async Task OnErrorAsync_OtherError_ThrownAtOnceWithoutWaiting()
    {
        var calls = 0;

        await Assert.ThrowsAsync<InvalidOperationException>(() => Retry.OnErrorAsync(
            _ =>
            {
                calls++;
                throw new InvalidOperationException("refused");
            },
            e => e is TimeoutException, FourAttempts, _time, CancellationToken.None));

        Assert.Equal(1, calls);
        Assert.Empty(_time.Waits);
    }

    [Fact]
    public async Task OnErrorAsync_DeadlinePassedDuringTheWait_StopsWithoutAnotherAttempt()
    {
        using var deadline = new CancellationTokenSource();
        var calls = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Retry.OnErrorAsync(
            _ =>
            {
                calls++;
                deadline.Cancel();
                throw new TimeoutException("not yet");
            },
            e => e is TimeoutException, FourAttempts, _time, deadline.Token));

        Assert.Equal(1, calls);
    }

    [Theory]
    [InlineData(1, 50, 100)]
    [InlineData(2, 100, 200)]
    [InlineData(3, 150, 300)]
    [InlineData(10, 150, 300)]
    public void DelayAfter_AnyAttempt_DoublesUpToTheLongestWithHalfOfItJittered(int attempt, int atLeastMs, int atMostMs)
    {
        var delay = FourAttempts.DelayAfter(attempt);

        Assert.InRange(delay, TimeSpan.FromMilliseconds(atLeastMs), TimeSpan.FromMilliseconds(atMostMs));
    }
}
