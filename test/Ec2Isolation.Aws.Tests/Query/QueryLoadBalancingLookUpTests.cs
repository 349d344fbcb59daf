using System.Net;
using System.Text;
using System.Web;
using Ec2Isolation.Aws.Query;
using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Aws.Tests.Query;

/// <summary>Which target groups the look-up reads, and how many at once, against an ELBv2 stand-in in memory.</summary>
public sealed class QueryLoadBalancingLookUpTests
{
    private const string InstanceId = "i-0123456789abcdef0";

    private static readonly InstanceDescription Instance = new()
    {
        InstanceId = InstanceId,
        AccountId = "123456789012",
        State = "running",
        VpcId = "vpc-home",
        NetworkInterfaces = [],
        Volumes = [],
        PrivateAddresses =
        [
            new("eni-0", "vpc-home", ["10.0.0.5"]),
            new("eni-1", "vpc-other", ["10.9.0.7", "2600:1f18::7"]),
        ],
    };

    [Fact]
    public async Task FindRegistrationsAsync_ManyGroups_ReadsOnlyThoseThatCanHoldTheInstanceAFewAtATime()
    {
        var elb = new TargetGroupStandIn(
        [
            .. Groups("instance", "vpc-home", 12), .. Groups("ip", "vpc-home", 6), .. Groups("ip", "vpc-other", 6),
            .. Groups("instance", "vpc-other", 5), .. Groups("ip", "vpc-elsewhere", 5), .. Groups("lambda", null, 3),
        ]);
        var api = new QueryLoadBalancingApi(new AwsQueryClient(new HttpClient(elb), new Uri("https://elb.test/"), "2015-12-01", TimeProvider.System));

        var found = await api.FindRegistrationsAsync(Instance, CancellationToken.None);

        Assert.Equal(
            [.. Groups("instance", "vpc-home", 12).Concat(Groups("ip", "vpc-home", 6)).Concat(Groups("ip", "vpc-other", 6)).Order(StringComparer.Ordinal)],
            elb.HealthRead.Order(StringComparer.Ordinal));
        Assert.InRange(elb.MostAtOnce, 1, QueryLoadBalancingApi.MaxConcurrentReads);
        Assert.Equal(12, found.Count(registration => registration.IpAddress is null));
        Assert.Equal(["10.0.0.5", "10.9.0.7", "2600:1f18::7"], found.Select(r => r.IpAddress).OfType<string>().Distinct().Order());
        Assert.DoesNotContain(found, registration => registration.IpAddress is "10.0.0.99");
    }

    [Fact]
    public async Task FindTargetGroupsAsync_ManyGroups_SameReadsAndEachGroupHoldingTheInstanceNamedWithItsLoadBalancer()
    {
        var elb = new TargetGroupStandIn([.. Groups("instance", "vpc-home", 3), .. Groups("ip", "vpc-other", 2), .. Groups("instance", "vpc-other", 4)]);
        var api = new QueryLoadBalancingApi(new AwsQueryClient(new HttpClient(elb), new Uri("https://elb.test/"), "2015-12-01", TimeProvider.System));

        var found = await api.FindTargetGroupsAsync(Instance, CancellationToken.None);

        // One DescribeTargetGroups page and one DescribeTargetHealth per group that can hold the instance: no DescribeLoadBalancers.
        Assert.Equal(5, elb.HealthRead.Count);
        Assert.Equal(
            [.. Groups("instance", "vpc-home", 3).Concat(Groups("ip", "vpc-other", 2)).Select(GroupName).Order(StringComparer.Ordinal)],
            found.Select(group => group.TargetGroupName).Order(StringComparer.Ordinal));
        Assert.Equal(["lb-vpc-home", "lb-vpc-other"], found.SelectMany(group => group.LoadBalancerNames).Distinct().Order(StringComparer.Ordinal));
    }

    private static string GroupName(string arn) => arn.Replace("arn:tg/", string.Empty, StringComparison.Ordinal).Replace('/', '-');

    private static string LoadBalancerArn(string vpcId) => $"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/lb-{vpcId}/50dc6c495c0c9188";

    private static IEnumerable<string> Groups(string type, string? vpcId, int count) =>
        Enumerable.Range(0, count).Select(index => $"arn:tg/{type}/{vpcId}/{index}");

    /// <summary>
    /// DescribeTargetGroups lists the groups (ARN arn:tg/TYPE/VPC/N); DescribeTargetHealth answers, for an instance group,
    /// the instance and another one; for an ip group, every address of the instance in that VPC and another address.
    /// </summary>
    private sealed class TargetGroupStandIn(IReadOnlyList<string> groups) : HttpMessageHandler
    {
        private int _inFlight;

        public List<string> HealthRead { get; } = [];

        public int MostAtOnce { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var form = HttpUtility.ParseQueryString(await request.Content!.ReadAsStringAsync(cancellationToken));
            if (form["Action"] == "DescribeTargetGroups")
            {
                return Xml("DescribeTargetGroups", "<TargetGroups>" + string.Concat(groups.Select(arn =>
                {
                    var parts = arn.Split('/');
                    return $"<member><TargetGroupArn>{arn}</TargetGroupArn><TargetGroupName>{GroupName(arn)}</TargetGroupName><TargetType>{parts[1]}</TargetType>"
                        + (parts[2].Length > 0 ? $"<VpcId>{parts[2]}</VpcId>" : string.Empty)
                        + $"<LoadBalancerArns><member>{LoadBalancerArn(parts[2])}</member></LoadBalancerArns></member>";
                })) + "</TargetGroups>");
            }

            var arn = form["TargetGroupArn"]!;
            lock (HealthRead)
            {
                HealthRead.Add(arn);
                MostAtOnce = Math.Max(MostAtOnce, ++_inFlight);
            }

            await Task.Delay(5, cancellationToken);
            lock (HealthRead)
            {
                _inFlight--;
            }

            var vpcId = arn.Split('/')[2];
            string[] ids = arn.Contains("/instance/", StringComparison.Ordinal)
                ? [InstanceId, "i-0fedcba9876543210"]
                : [.. Instance.PrivateAddresses.Where(eni => eni.VpcId == vpcId).SelectMany(eni => eni.Addresses), "10.0.0.99"];
            return Xml("DescribeTargetHealth", "<TargetHealthDescriptions>" + string.Concat(ids.Select(id =>
                $"<member><Target><Id>{id}</Id><Port>80</Port></Target><TargetHealth><State>healthy</State></TargetHealth></member>"))
                + "</TargetHealthDescriptions>");
        }

        private static HttpResponseMessage Xml(string action, string result) =>
            new(HttpStatusCode.OK)
            {
                Content = new StringContent($"<{action}Response><{action}Result>{result}</{action}Result></{action}Response>", Encoding.UTF8, "text/xml"),
            };
    }
}
