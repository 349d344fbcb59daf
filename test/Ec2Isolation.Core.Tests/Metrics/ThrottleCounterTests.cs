using Ec2Isolation.Core.Metrics;

namespace Ec2Isolation.Core.Tests.Metrics;

public sealed class ThrottleCounterTests
{
    private readonly ThrottleCounter _counter = new();

    [Fact]
    public async Task Measure_TwoRunsSideBySide_EachCountsOnlyItsOwnThrottling()
    {
        using var bothStarted = new Barrier(2);

        async Task<int> RunAsync(int throttled)
        {
            await Task.Yield();
            using var tally = _counter.Measure();
            bothStarted.SignalAndWait(TimeSpan.FromSeconds(10));
            for (var i = 0; i < throttled; i++)
            {
                // Each attempt from a task of its own, as the SDK's pipeline and the notices run.
                await Task.Run(() => _counter.Throttled("ModifyInstanceAttribute"));
            }

            return tally.Throttled;
        }

        var counts = await Task.WhenAll(Task.Run(() => RunAsync(2)), Task.Run(() => RunAsync(5)));

        Assert.Equal([2, 5], counts);
    }

    [Fact]
    public void Throttled_OutsideAnyMeasurement_CountedNowhere()
    {
        _counter.Throttled("DescribeInstances");
        using var tally = _counter.Measure();

        Assert.Equal(0, tally.Throttled);
    }
}
