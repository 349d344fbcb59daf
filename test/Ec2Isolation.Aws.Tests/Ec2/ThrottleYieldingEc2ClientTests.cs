using Amazon.EC2;
using Amazon.EC2.Model;
using Ec2Isolation.Aws.Ec2;
using Ec2Isolation.Aws.Tests.Query;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Ec2;

/// <summary>
/// How the EC2 client meets <c>RequestLimitExceeded</c> (EC2's token buckets: "Request throttling for the Amazon EC2 API",
/// https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html), through a fault proxy in front of moto, which
/// never throttles: waited out in short jittered waits for as long as the invocation allows, not limited to the standard
/// mode's 8 retries; given way inside a yield scope from its yield point on; other errors retried as before.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class ThrottleYieldingEc2ClientTests(MotoServer moto) : IAsyncDisposable
{
    private readonly FaultProxy _proxy = FaultProxy.Start(moto.EndpointUrl);
    private readonly ImmediateTimeProvider _time = new();
    private readonly InvocationDeadline _deadline = new();

    public ValueTask DisposeAsync() => _proxy.DisposeAsync();

    private IAmazonEC2 CreateEc2()
    {
        var clients = moto.Clients();
        return new AwsClientFactory(clients.Connection with { EndpointUrl = _proxy.Endpoint }, clients.Credentials)
        {
            Ec2Patience = new ThrottlePatience(_time, _deadline),
        }.CreateEc2();
    }

    private int ThrottleFirst(int times)
    {
        var sent = 0;
        _proxy.Rule = request => request.Action == "DescribeInstances" && Interlocked.Increment(ref sent) <= times ? Fault.Throttling : null;
        return times;
    }

    private int Sent(string action) => _proxy.Seen.Count(seen => seen.Request.Action == action);

    [Fact]
    public async Task DescribeInstances_ThrottledMoreOftenThanTheStandardModeRetries_WaitedOutInShortWaits()
    {
        var throttled = ThrottleFirst(AwsClientFactory.MaxErrorRetry + 4);
        using var ec2 = CreateEc2();

        await ec2.DescribeInstancesAsync(new DescribeInstancesRequest());

        Assert.Equal(throttled + 1, Sent("DescribeInstances"));
        var waits = _time.Delays.Where(delay => delay > TimeSpan.Zero).ToList();
        Assert.Equal(throttled, waits.Count(delay => delay <= ThrottlePatience.MaxDelay));
    }

    [Fact]
    public async Task DescribeInstances_ThrottledAsTheInvocationDeadlineNears_ThrownAtOnce()
    {
        ThrottleFirst(int.MaxValue);
        _deadline.Current = _time.GetUtcNow() + ThrottlePatience.DeadlineReserve - TimeSpan.FromSeconds(1);
        using var ec2 = CreateEc2();

        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ec2.DescribeInstancesAsync(new DescribeInstancesRequest()));

        Assert.Equal(PatientThrottlingRetryPolicy.ThrottledCode, error.ErrorCode);
        Assert.Equal(1, Sent("DescribeInstances"));
    }

    [Fact]
    public async Task DescribeInstances_ServerErrorEveryTime_RetriedMaxErrorRetryTimesAsBefore()
    {
        _proxy.Rule = request => request.Action == "DescribeInstances" ? Fault.InternalError : null;
        using var ec2 = CreateEc2();

        await Assert.ThrowsAnyAsync<AmazonEC2Exception>(() => ec2.DescribeInstancesAsync(new DescribeInstancesRequest()));

        Assert.Equal(AwsClientFactory.MaxErrorRetry + 1, Sent("DescribeInstances"));
    }

    [Fact]
    public async Task DescribeInstances_ThrottledInsideYieldScopeBeforeItsYieldPoint_WaitedOut()
    {
        var throttled = ThrottleFirst(3);
        using var ec2 = CreateEc2();

        await Ec2Throttling.YieldScope(() => ec2.DescribeInstancesAsync(new DescribeInstancesRequest()), after: _time.GetUtcNow().AddMinutes(1));

        Assert.Equal(throttled + 1, Sent("DescribeInstances"));
    }

    [Fact]
    public async Task DescribeInstances_ThrottledInsideYieldScopePastItsYieldPoint_GivesWayAtTheFirstAnswer()
    {
        ThrottleFirst(3);
        using var ec2 = CreateEc2();

        var error = await Assert.ThrowsAsync<Ec2ThrottledException>(() => Ec2Throttling.YieldScope(() => ec2.DescribeInstancesAsync(new DescribeInstancesRequest()), after: _time.GetUtcNow()));

        Assert.Equal("DescribeInstances", error.Action);
        Assert.Equal(1, Sent("DescribeInstances"));
    }
}
