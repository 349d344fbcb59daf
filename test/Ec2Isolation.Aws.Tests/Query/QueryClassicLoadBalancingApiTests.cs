using System.Net;
using Ec2Isolation.Aws.Query;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Query;

/// <remarks>
/// moto (5.2.1) is not faithful here: deregistering an instance that is not registered succeeds (AWS answers
/// InvalidInstance: https://github.com/boto/boto/issues/2274), a stopped instance is registered (shown OutOfService), and
/// Register/Deregister with a load balancer that does not exist answer an HTML 500 (AWS: LoadBalancerNotFound). Those
/// answers are scripted in <see cref="QueryClassicLoadBalancingAnswersTests"/>.
/// </remarks>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class QueryClassicLoadBalancingApiTests(MotoServer moto) : MotoAccountTests(moto)
{
    private QueryClassicLoadBalancingApi Api => new(AwsQueryClient.Create(Account.Clients, QueryService.ElasticLoadBalancing));

    [Fact]
    public async Task FindLoadBalancers_InstanceInTwoOfThree_FindsExactlyThoseTwo()
    {
        var instance = await Account.Network.RunInstanceAsync([await Account.Network.CreateGroupAsync("web")]);
        var other = await Account.Network.RunInstanceAsync([await Account.Network.CreateGroupAsync("other")]);
        await Account.CreateClassicLoadBalancerAsync("legacy-web", instance.InstanceId, other.InstanceId);
        await Account.CreateClassicLoadBalancerAsync("legacy-api", instance.InstanceId);
        await Account.CreateClassicLoadBalancerAsync("legacy-admin", other.InstanceId);

        var found = await Api.FindLoadBalancersAsync(instance.InstanceId, CancellationToken.None);

        Assert.Equal(["legacy-api", "legacy-web"], found.Order());
    }

    [Fact]
    public async Task DeregisterThenRegister_RegisteredInstance_GoneFromTheLoadBalancerThenBack()
    {
        var instance = await Account.Network.RunInstanceAsync([await Account.Network.CreateGroupAsync("web")]);
        await Account.CreateClassicLoadBalancerAsync("legacy-web", instance.InstanceId);

        await Api.DeregisterAsync("legacy-web", instance.InstanceId, CancellationToken.None);

        Assert.Empty(await Api.FindLoadBalancersAsync(instance.InstanceId, CancellationToken.None));
        Assert.DoesNotContain(instance.InstanceId, (await Account.ClassicInstanceHealthAsync("legacy-web")).Keys);

        await Api.RegisterAsync("legacy-web", instance.InstanceId, CancellationToken.None);

        Assert.Equal(["legacy-web"], await Api.FindLoadBalancersAsync(instance.InstanceId, CancellationToken.None));
        Assert.Equal("InService", (await Account.ClassicInstanceHealthAsync("legacy-web"))[instance.InstanceId]);
    }
}

/// <summary>The adapter's answers to what moto does not model (<see cref="QueryClassicLoadBalancingApiTests"/>), scripted.</summary>
public sealed class QueryClassicLoadBalancingAnswersTests
{
    private const string Listed = "<DescribeLoadBalancersResponse><DescribeLoadBalancersResult><LoadBalancerDescriptions><member>"
        + "<LoadBalancerName>web</LoadBalancerName><Instances><member><InstanceId>i-1</InstanceId></member></Instances>"
        + "</member></LoadBalancerDescriptions><NextMarker/></DescribeLoadBalancersResult></DescribeLoadBalancersResponse>";

    private const string NotListed = "<DescribeLoadBalancersResponse><DescribeLoadBalancersResult><LoadBalancerDescriptions><member>"
        + "<LoadBalancerName>web</LoadBalancerName><Instances/></member></LoadBalancerDescriptions></DescribeLoadBalancersResult></DescribeLoadBalancersResponse>";

    private static QueryClassicLoadBalancingApi Api(ScriptedHandler handler) =>
        new(new AwsQueryClient(new HttpClient(handler), new Uri("https://elb.test/"), "2012-06-01", TimeProvider.System));

    [Fact]
    public async Task DeregisterAsync_InvalidInstanceAndNoLongerListed_DoneAfterReadingTheLoadBalancer()
    {
        var handler = new ScriptedHandler(attempt => attempt == 0 ? ScriptedHandler.Error("InvalidInstance") : ScriptedHandler.Xml(NotListed));

        await Api(handler).DeregisterAsync("web", "i-1", CancellationToken.None);

        Assert.Equal(
            ["Action=DeregisterInstancesFromLoadBalancer&Version=2012-06-01&LoadBalancerName=web&Instances.member.1.InstanceId=i-1",
             "Action=DescribeLoadBalancers&Version=2012-06-01&LoadBalancerNames.member.1=web"],
            handler.Bodies);
    }

    [Fact]
    public async Task DeregisterAsync_InvalidInstanceButStillListed_Throws()
    {
        var handler = new ScriptedHandler(attempt => attempt == 0 ? ScriptedHandler.Error("InvalidInstance") : ScriptedHandler.Xml(Listed));

        var error = await Assert.ThrowsAsync<AwsQueryException>(() => Api(handler).DeregisterAsync("web", "i-1", CancellationToken.None));

        Assert.Equal("InvalidInstance", error.Code);
    }

    [Fact]
    public async Task DeregisterAsync_LoadBalancerNotFound_DoneWithoutAnotherCall()
    {
        var handler = new ScriptedHandler(_ => ScriptedHandler.Error("LoadBalancerNotFound"));

        await Api(handler).DeregisterAsync("web", "i-1", CancellationToken.None);

        Assert.Equal(1, handler.Attempts);
    }

    [Fact]
    public async Task RegisterAsync_LoadBalancerNotFound_ResourceGone()
    {
        var handler = new ScriptedHandler(_ => ScriptedHandler.Error("LoadBalancerNotFound"));

        await Assert.ThrowsAsync<ResourceGoneException>(() => Api(handler).RegisterAsync("web", "i-1", CancellationToken.None));
    }

    [Fact]
    public async Task RegisterAsync_InvalidInstance_StaysAnError()
    {
        var handler = new ScriptedHandler(_ => ScriptedHandler.Error("InvalidInstance"));

        var error = await Assert.ThrowsAsync<AwsQueryException>(() => Api(handler).RegisterAsync("web", "i-1", CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadRequest, error.Status);
    }

    [Fact]
    public async Task FindLoadBalancersAsync_TwoPages_FollowsNextMarkerWithPagesOf400()
    {
        var firstPage = Listed.Replace("<NextMarker/>", "<NextMarker>page-2</NextMarker>", StringComparison.Ordinal);
        var handler = new ScriptedHandler(attempt => ScriptedHandler.Xml(attempt == 0 ? firstPage : Listed.Replace(">web<", ">api<", StringComparison.Ordinal)));

        var found = await Api(handler).FindLoadBalancersAsync("i-1", CancellationToken.None);

        Assert.Equal(["web", "api"], found);
        Assert.Equal(
            ["Action=DescribeLoadBalancers&Version=2012-06-01&PageSize=400", "Action=DescribeLoadBalancers&Version=2012-06-01&PageSize=400&Marker=page-2"],
            handler.Bodies);
    }
}
