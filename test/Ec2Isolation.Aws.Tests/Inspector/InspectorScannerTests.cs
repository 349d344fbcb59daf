using System.Text.Json;
using Amazon.Runtime;
using Ec2Isolation.Aws.Inspector;
using Ec2Isolation.Aws.Organizations;
using Ec2Isolation.Aws.Tests.Query;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Inspector;

/// <summary>The signed Inspector client against a local stand-in speaking Inspector's REST-JSON (moto 5.2.1 has no ListCoverage).</summary>
public sealed class InspectorScannerTests : IAsyncDisposable
{
    private const string InstanceId = "i-0aaaaaaaaaaaaaaaa";
    private const string AccessDenied = "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/";
    private const string Enabled = """{"accounts":[{"accountId":"123456789012","state":{"status":"ENABLED"},"resourceState":{"ec2":{"status":"ENABLED"},"ecr":{"status":"DISABLED"}}}],"failedAccounts":[]}""";

    private readonly ImmediateTimeProvider _time = new();
    private HttpStandIn? _inspector;

    public async ValueTask DisposeAsync()
    {
        if (_inspector is not null)
        {
            await _inspector.DisposeAsync();
        }
    }

    private IReadOnlyList<HttpExchange> Requests => _inspector!.Requests;

    private static StandInAnswer Ok(string body) => new(200, body, ("Content-Type", "application/json"));

    private static StandInAnswer Error(int status, string type, string message) =>
        new(status, $$"""{"message":"{{message}}"}""", ("Content-Type", "application/json"), ("x-amzn-ErrorType", type));

    private static AwsClientFactory Clients(Uri endpoint) =>
        new(new AwsConnection("eu-west-1", endpoint.AbsoluteUri), new BasicAWSCredentials("AKIDEXAMPLE", "secret"));

    private InspectorScanner Start(params StandInAnswer[] answers)
    {
        _inspector = HttpStandIn.Start(HttpStandIn.InTurn(answers));
        var clients = Clients(_inspector.BaseUrl);
        return new InspectorScanner(AwsJsonClient.ForRestJson(clients.CreateSignedHttpClient(InspectorScanner.ServiceName), _inspector.BaseUrl, _time));
    }

    private JsonElement Body(int request) => JsonDocument.Parse(Requests[request].Body).RootElement;

    [Fact]
    public async Task Create_Endpoint_SignsForInspector2AndPostsJsonToTheOperationPath()
    {
        _inspector = HttpStandIn.Start(_ => Ok(Enabled));

        var enabled = await InspectorScanner.Create(Clients(_inspector.BaseUrl), _time).IsEc2ScanningEnabledAsync(CancellationToken.None);

        Assert.True(enabled);
        var request = Assert.Single(Requests);
        Assert.Equal(("POST", "/status/batch/get"), (request.Method, request.Path));
        Assert.Matches(@"^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\d{8}/eu-west-1/inspector2/aws4_request, SignedHeaders=", request.Header("Authorization"));
        Assert.NotNull(request.Header("X-Amz-Date"));
        Assert.StartsWith("application/json", request.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Null(request.Header("X-Amz-Target"));
        Assert.Equal("{}", request.Body);
    }

    [Fact]
    public async Task IsEc2ScanningEnabledAsync_Ec2ScanningOff_False()
    {
        var scanner = Start(Ok("""{"accounts":[{"accountId":"123456789012","state":{"status":"ENABLED"},"resourceState":{"ec2":{"status":"DISABLED"},"ecr":{"status":"ENABLED"}}}]}"""));

        Assert.False(await scanner.IsEc2ScanningEnabledAsync(CancellationToken.None));
    }

    [Fact]
    public async Task IsEc2ScanningEnabledAsync_FailedAccount_ThrowsWithItsErrorCode()
    {
        var scanner = Start(Ok("""{"accounts":[],"failedAccounts":[{"accountId":"123456789012","errorCode":"ACCESS_DENIED","errorMessage":"not allowed"}]}"""));

        var error = await Assert.ThrowsAsync<VulnerabilityScanException>(() => scanner.IsEc2ScanningEnabledAsync(CancellationToken.None));

        Assert.Equal("ACCESS_DENIED: not allowed", error.Message);
    }

    [Fact]
    public async Task GetCoverageAsync_EmptyFirstPage_FiltersOnTheInstanceAndFollowsTheToken()
    {
        var scanner = Start(
            Ok("""{"coveredResources":[],"nextToken":"page-2"}"""),
            Ok($$"""{"coveredResources":[{"resourceId":"{{InstanceId}}","resourceType":"AWS_EC2_INSTANCE","scanType":"PACKAGE","scanStatus":{"statusCode":"ACTIVE","reason":"SUCCESSFUL"},"lastScannedAt":1.7646e9}]}"""));

        var coverage = await scanner.GetCoverageAsync(InstanceId, CancellationToken.None);

        Assert.Equal(new InstanceCoverage("ACTIVE", "SUCCESSFUL", DateTimeOffset.FromUnixTimeSeconds(1_764_600_000)), coverage);
        Assert.Equal(["/coverage/list", "/coverage/list"], Requests.Select(r => r.Path));
        var filter = Body(0).GetProperty("filterCriteria");
        Assert.Equal(("EQUALS", InstanceId), (filter.GetProperty("resourceId")[0].GetProperty("comparison").GetString(), filter.GetProperty("resourceId")[0].GetProperty("value").GetString()));
        Assert.Equal("AWS_EC2_INSTANCE", filter.GetProperty("resourceType")[0].GetProperty("value").GetString());
        Assert.Equal(InspectorScanner.PageSize, Body(0).GetProperty("maxResults").GetInt32());
        Assert.False(Body(0).TryGetProperty("nextToken", out _));
        Assert.Equal("page-2", Body(1).GetProperty("nextToken").GetString());
    }

    [Fact]
    public async Task GetCoverageAsync_NotListed_Null()
    {
        var scanner = Start(Ok("""{"coveredResources":[]}"""));

        Assert.Null(await scanner.GetCoverageAsync(InstanceId, CancellationToken.None));
    }

    [Fact]
    public async Task ListFindingsAsync_TwoPages_EveryActiveFindingWithSeverityTitleAndCve()
    {
        var scanner = Start(
            Ok("""{"findings":[{"severity":"CRITICAL","title":"CVE-2024-6387 - openssh-server","type":"PACKAGE_VULNERABILITY","packageVulnerabilityDetails":{"vulnerabilityId":"CVE-2024-6387"}}],"nextToken":"next"}"""),
            Ok("""{"findings":[{"severity":"MEDIUM","title":"Port 22 is reachable","type":"NETWORK_REACHABILITY"}]}"""));

        var findings = await scanner.ListFindingsAsync(InstanceId, CancellationToken.None);

        Assert.Equal(
            [new VulnerabilityFinding("CRITICAL", "CVE-2024-6387 - openssh-server", "CVE-2024-6387"), new VulnerabilityFinding("MEDIUM", "Port 22 is reachable", null)],
            findings);
        Assert.Equal(["/findings/list", "/findings/list"], Requests.Select(r => r.Path));
        var filter = Body(0).GetProperty("filterCriteria");
        Assert.Equal(InstanceId, filter.GetProperty("resourceId")[0].GetProperty("value").GetString());
        Assert.Equal("ACTIVE", filter.GetProperty("findingStatus")[0].GetProperty("value").GetString());
        Assert.Equal("next", Body(1).GetProperty("nextToken").GetString());
    }

    [Fact]
    public async Task ListFindingsAsync_AccessDenied_RefusedAtOnceWithTheCodeAndMessage()
    {
        var scanner = Start(Error(403, AccessDenied, "User is not authorized to perform: inspector2:ListFindings"));

        var error = await Assert.ThrowsAsync<VulnerabilityScanException>(() => scanner.ListFindingsAsync(InstanceId, CancellationToken.None));

        Assert.Equal("AccessDeniedException: User is not authorized to perform: inspector2:ListFindings", error.Message);
        Assert.Single(Requests);
    }

    [Fact]
    public async Task GetCoverageAsync_ValidationException_RefusedAtOnce()
    {
        var scanner = Start(Error(400, "ValidationException", "1 validation error detected"));

        var error = await Assert.ThrowsAsync<VulnerabilityScanException>(() => scanner.GetCoverageAsync(InstanceId, CancellationToken.None));

        Assert.StartsWith("ValidationException", error.Message, StringComparison.Ordinal);
        Assert.Single(Requests);
    }

    [Fact]
    public async Task ListFindingsAsync_Throttled_RetriedWithBackoffThenAnswered()
    {
        var scanner = Start(
            Error(429, "ThrottlingException", "Rate exceeded"),
            Error(429, "ThrottlingException", "Rate exceeded"),
            Ok("""{"findings":[]}"""));

        Assert.Empty(await scanner.ListFindingsAsync(InstanceId, CancellationToken.None));

        Assert.Equal(3, Requests.Count);
        Assert.Equal(2, _time.Delays.Count);
    }

    [Fact]
    public async Task GetCoverageAsync_Unreachable_RefusedAsNotReachable()
    {
        var clients = Clients(new Uri("http://127.0.0.1:1/"));
        var scanner = new InspectorScanner(AwsJsonClient.ForRestJson(clients.CreateSignedHttpClient(InspectorScanner.ServiceName), new Uri("http://127.0.0.1:1/"), _time));

        var error = await Assert.ThrowsAsync<VulnerabilityScanException>(() => scanner.GetCoverageAsync(InstanceId, CancellationToken.None));

        Assert.StartsWith("Amazon Inspector could not be reached", error.Message, StringComparison.Ordinal);
    }
}
