using Amazon.DynamoDBv2.Model;
using Amazon.EC2.Model;
using Ec2Isolation.Core.Metrics;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Throttling;

/// <summary>
/// The SDK clients report each throttled attempt their retry handler retries (EC2's RequestLimitExceeded: "Request
/// throttling for the Amazon EC2 API", https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html), through
/// a fault proxy in front of moto, which never throttles.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class ObservedClientsTests(MotoServer moto) : IAsyncDisposable
{
    private readonly FaultProxy _proxy = FaultProxy.Start(moto.EndpointUrl);
    private readonly ThrottleCounter _counter = new();

    public ValueTask DisposeAsync() => _proxy.DisposeAsync();

    private AwsClientFactory Clients()
    {
        var clients = moto.Clients();
        return new AwsClientFactory(clients.Connection with { EndpointUrl = _proxy.Endpoint }, clients.Credentials) { Throttles = _counter };
    }

    [Fact]
    public async Task CreateEc2_ThrottledTwiceThenAnswered_EachThrottledAttemptReported()
    {
        var throttled = 0;
        _proxy.Rule = request => request.Action == "DescribeInstances" && Interlocked.Increment(ref throttled) <= 2 ? Fault.Throttling : null;
        using var tally = _counter.Measure();
        using var ec2 = Clients().CreateEc2();

        await ec2.DescribeInstancesAsync(new DescribeInstancesRequest());

        Assert.Equal((3, 2), (throttled, tally.Throttled));
    }

    [Fact]
    public async Task CreateDynamoDb_ServerErrorRetried_NotCountedAsThrottling()
    {
        var failed = 0;
        _proxy.Rule = request => request.Action == "ListTables" && Interlocked.Increment(ref failed) <= 1 ? Fault.InternalError : null;
        using var tally = _counter.Measure();
        using var dynamoDb = Clients().CreateDynamoDb();

        await dynamoDb.ListTablesAsync(new ListTablesRequest());

        Assert.Equal((2, 0), (failed, tally.Throttled));
    }
}
