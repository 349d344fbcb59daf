using System.Net;
using Amazon.Runtime;
using Ec2Isolation.Aws.Query;
using Ec2Isolation.Core.Metrics;

namespace Ec2Isolation.Aws.Tests.Query;

public sealed class AwsQueryClientTests
{
    private static readonly Uri Endpoint = new("https://iam.amazonaws.com/");

    private const string PutRolePolicyOk =
        """<PutRolePolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></PutRolePolicyResponse>""";

    private readonly ImmediateTimeProvider _time = new();

    private AwsQueryClient ClientFor(ScriptedHandler handler) => new(new HttpClient(handler), Endpoint, "2010-05-08", _time);

    [Fact]
    public async Task SendAsync_Parameters_PostsExactFormBody()
    {
        var handler = new ScriptedHandler(_ => ScriptedHandler.Xml(PutRolePolicyOk));

        await ClientFor(handler).SendAsync(
            "PutRolePolicy",
            [new("RoleName", "app-role"), new("PolicyName", "isolation"), new("PolicyDocument", """{"Effect": "Deny","Resource":"*"}""")],
            CancellationToken.None);

        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(Endpoint, request.RequestUri);
        Assert.Equal("application/x-www-form-urlencoded", request.Content?.Headers.ContentType?.MediaType);
        Assert.Equal(
            "Action=PutRolePolicy&Version=2010-05-08&RoleName=app-role&PolicyName=isolation"
            + "&PolicyDocument=%7B%22Effect%22%3A+%22Deny%22%2C%22Resource%22%3A%22%2A%22%7D",
            handler.Bodies[0]);
    }

    [Fact]
    public async Task SendAsync_Success_ReturnsResultElementWhateverTheNamespace()
    {
        var handler = new ScriptedHandler(_ => ScriptedHandler.Xml(
            """<GetInstanceProfileResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetInstanceProfileResult><InstanceProfile><InstanceProfileName>p</InstanceProfileName></InstanceProfile></GetInstanceProfileResult></GetInstanceProfileResponse>"""));

        var result = await ClientFor(handler).SendAsync("GetInstanceProfile", [], CancellationToken.None);

        Assert.Equal("GetInstanceProfileResult", result.Name.LocalName);
        Assert.Equal("p", result.Child("InstanceProfile")?.ChildValue("InstanceProfileName"));
    }

    [Fact]
    public async Task SendAsync_ActionWithoutResult_ReturnsEmptyResult()
    {
        var result = await ClientFor(new ScriptedHandler(_ => ScriptedHandler.Xml(PutRolePolicyOk)))
            .SendAsync("PutRolePolicy", [], CancellationToken.None);

        Assert.Equal("PutRolePolicyResult", result.Name.LocalName);
        Assert.False(result.HasElements);
    }

    [Theory]
    [InlineData("""<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>Role x not found</Message></Error><RequestId>1</RequestId></ErrorResponse>""")]
    [InlineData("""<Response><Errors><Error><Code>NoSuchEntity</Code><Message>Role x not found</Message></Error></Errors><RequestID>1</RequestID></Response>""")]
    public async Task SendAsync_ErrorXml_ThrowsWithCodeAndMessageAfterOneAttempt(string errorXml)
    {
        var handler = new ScriptedHandler(_ => ScriptedHandler.Xml(errorXml, HttpStatusCode.NotFound));

        var error = await Assert.ThrowsAsync<AwsQueryException>(() => ClientFor(handler).SendAsync("GetRole", [], CancellationToken.None));

        Assert.Equal("NoSuchEntity", error.Code);
        Assert.Equal("Role x not found", error.ErrorMessage);
        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        Assert.Equal(1, handler.Attempts);
    }

    [Theory]
    [InlineData("Throttling")]
    [InlineData("RequestLimitExceeded")]
    [InlineData("ServiceUnavailable")]
    [InlineData("DependencyThrottle")]
    public async Task SendAsync_ThrottledTwice_RetriesWithBackoffUntilSuccess(string code)
    {
        var handler = new ScriptedHandler(attempt => attempt < 2 ? ScriptedHandler.Error(code) : ScriptedHandler.Xml(PutRolePolicyOk));

        await ClientFor(handler).SendAsync("PutRolePolicy", [], CancellationToken.None);

        Assert.Equal(3, handler.Attempts);
        Assert.Equal(2, _time.Delays.Count);
        Assert.All(_time.Delays, delay => Assert.InRange(delay, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(20)));
        Assert.Equal(handler.Bodies[0], handler.Bodies[2]);
    }

    /// <summary>Throttling is counted for the run's metrics (docs/metrics.md); a server error, retried too, is not throttling.</summary>
    [Theory]
    [InlineData("Throttling", 2)]
    [InlineData("ServiceUnavailable", 0)]
    public async Task SendAsync_RetriedTwice_EachThrottledAttemptReported(string code, int throttled)
    {
        var counter = new ThrottleCounter();
        var handler = new ScriptedHandler(attempt => attempt < 2 ? ScriptedHandler.Error(code) : ScriptedHandler.Xml(PutRolePolicyOk));
        using var tally = counter.Measure();

        await new AwsQueryClient(new HttpClient(handler), Endpoint, "2010-05-08", _time, counter).SendAsync("PutRolePolicy", [], CancellationToken.None);

        Assert.Equal((3, throttled), (handler.Attempts, tally.Throttled));
    }

    [Fact]
    public async Task SendAsync_ServerErrorPageThenNetworkFailure_RetriesBoth()
    {
        var handler = new ScriptedHandler(attempt => attempt switch
        {
            0 => new HttpResponseMessage(HttpStatusCode.InternalServerError) { Content = new StringContent("<!doctype html><h1>500</h1>") },
            1 => throw new HttpRequestException("connection reset"),
            _ => ScriptedHandler.Xml(PutRolePolicyOk),
        });

        await ClientFor(handler).SendAsync("PutRolePolicy", [], CancellationToken.None);

        Assert.Equal(3, handler.Attempts);
    }

    [Fact]
    public async Task SendAsync_NonRetryableError_TriesOnce()
    {
        var handler = new ScriptedHandler(_ => ScriptedHandler.Error("ValidationError"));

        var error = await Assert.ThrowsAsync<AwsQueryException>(() => ClientFor(handler).SendAsync("EnterStandby", [], CancellationToken.None));

        Assert.Equal("ValidationError", error.Code);
        Assert.Equal(1, handler.Attempts);
        Assert.Empty(_time.Delays);
    }

    [Fact]
    public async Task SendAsync_ThrottledBeyondTheLimit_ThrowsAfterMaxAttempts()
    {
        var handler = new ScriptedHandler(_ => ScriptedHandler.Error("Throttling"));

        var error = await Assert.ThrowsAsync<AwsQueryException>(() => ClientFor(handler).SendAsync("PutRolePolicy", [], CancellationToken.None));

        Assert.Equal("Throttling", error.Code);
        Assert.Equal(AwsQueryClient.MaxAttempts, handler.Attempts);
    }

    [Fact]
    public async Task SendPagedAsync_NextMarker_FollowsUntilLastPage()
    {
        var handler = new ScriptedHandler(attempt => ScriptedHandler.Xml(
            $"<DescribeTargetGroupsResponse><DescribeTargetGroupsResult><NextMarker>{(attempt == 0 ? "page2" : string.Empty)}</NextMarker></DescribeTargetGroupsResult></DescribeTargetGroupsResponse>"));

        var pages = 0;
        await foreach (var _ in ClientFor(handler).SendPagedAsync("DescribeTargetGroups", [new("PageSize", "400")], QueryPaging.NextMarker, CancellationToken.None))
        {
            pages++;
        }

        Assert.Equal(2, pages);
        Assert.Equal("Action=DescribeTargetGroups&Version=2010-05-08&PageSize=400", handler.Bodies[0]);
        Assert.Equal("Action=DescribeTargetGroups&Version=2010-05-08&PageSize=400&Marker=page2", handler.Bodies[1]);
    }

    [Theory]
    [InlineData("iam", "eu-west-1", "us-east-1/iam")]
    [InlineData("iam", "cn-northwest-1", "cn-north-1/iam")]
    [InlineData("autoscaling", "eu-west-1", "eu-west-1/autoscaling")]
    [InlineData("elasticloadbalancing", "eu-west-1", "eu-west-1/elasticloadbalancing")]
    public async Task Create_SigV4Handler_SignsForTheServiceAndItsRegion(string signingName, string region, string expectedScope)
    {
        QueryService[] services = [QueryService.Iam, QueryService.AutoScaling, QueryService.ElasticLoadBalancingV2];
        var handler = new ScriptedHandler(_ => ScriptedHandler.Xml(PutRolePolicyOk));
        var clients = new AwsClientFactory(new AwsConnection(region, "https://query.test/"), new BasicAWSCredentials("AKID", "secret"));

        await AwsQueryClient.Create(clients, services.Single(s => s.SigningName == signingName), _time, handler)
            .SendAsync("PutRolePolicy", [], CancellationToken.None);

        // The signer adds the header unvalidated, so read it raw (the typed Authorization property reads null here).
        var authorization = Assert.Single(handler.Requests[0].Headers.GetValues("Authorization"));
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKID/", authorization, StringComparison.Ordinal);
        Assert.Contains($"/{expectedScope}/aws4_request", authorization, StringComparison.Ordinal);
        Assert.Equal(new Uri("https://query.test/"), handler.Requests[0].RequestUri);
    }
}
