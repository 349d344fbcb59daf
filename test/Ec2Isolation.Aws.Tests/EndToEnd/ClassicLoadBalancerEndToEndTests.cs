using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.EndToEnd;

/// <summary>
/// The classic-load-balancers step over the real adapters against moto: the instance leaves every Classic Load Balancer
/// that lists it (DescribeLoadBalancers, DescribeInstanceHealth) and comes back on release. moto has no connection
/// draining: a deregistered instance is gone from DescribeInstanceHealth at once.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class ClassicLoadBalancerEndToEndTests(MotoServer moto) : MotoAccountTests(moto)
{
    [Fact]
    public async Task IsolateThenRelease_InstanceBehindTwoClassicLoadBalancers_OutOfBothThenBackInService()
    {
        var instance = await Account.Network.RunInstanceAsync([await Account.Network.CreateGroupAsync("web")]);
        var other = await Account.Network.RunInstanceAsync([await Account.Network.CreateGroupAsync("other")]);
        await Account.CreateClassicLoadBalancerAsync("legacy-web", instance.InstanceId, other.InstanceId);
        await Account.CreateClassicLoadBalancerAsync("legacy-api", instance.InstanceId);
        var service = Account.CreateService();

        var isolated = await service.IsolateAsync(new IsolationRequest(instance.InstanceId, RequestedBy: "tester"), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, isolated.Outcome);
        Assert.Contains(StepNames.ClassicLoadBalancers, isolated.Record.CompletedSteps);
        Assert.Equal(["legacy-api", "legacy-web"], isolated.Record.Original.Attachments!.ClassicLoadBalancers!.Order());
        Assert.Equal([other.InstanceId], (await Account.ClassicInstanceHealthAsync("legacy-web")).Keys);
        Assert.Empty(await Account.ClassicInstanceHealthAsync("legacy-api"));

        var released = await service.ReleaseAsync(new ReleaseRequest(instance.InstanceId, "tester"), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Released, released.Outcome);
        Assert.Equal("InService", (await Account.ClassicInstanceHealthAsync("legacy-web"))[instance.InstanceId]);
        Assert.Equal("InService", (await Account.ClassicInstanceHealthAsync("legacy-api"))[instance.InstanceId]);
        Assert.Empty(released.Record.NotRestored);
    }
}
