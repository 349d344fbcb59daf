using System.Net;
using System.Text;
using Ec2Isolation.Aws.Organizations;
using Ec2Isolation.Aws.Tests.Query;

namespace Ec2Isolation.Aws.Tests.Organizations;

public sealed class AwsJsonClientTests
{
    internal static readonly Uri Endpoint = new("https://organizations.us-east-1.amazonaws.com/");
    private readonly ImmediateTimeProvider _time = new();

    internal static HttpResponseMessage Json(string body, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/x-amz-json-1.1") };

    private AwsJsonClient ClientFor(ScriptedHandler handler) => new(new HttpClient(handler), Endpoint, "AWSOrganizationsV20161128", _time);

    [Fact]
    public async Task SendAsync_Action_PostsTheTargetAndJsonBody()
    {
        var handler = new ScriptedHandler(_ => Json("""{"Accounts":[]}"""));

        using var answer = await ClientFor(handler).SendAsync("ListAccountsForParent", json => json.WriteString("ParentId", "ou-ab12-11111111"), CancellationToken.None);

        var request = Assert.Single(handler.Requests);
        Assert.Equal("AWSOrganizationsV20161128.ListAccountsForParent", request.Headers.GetValues("X-Amz-Target").Single());
        Assert.Equal("application/x-amz-json-1.1", request.Content!.Headers.ContentType!.MediaType);
        Assert.Equal("""{"ParentId":"ou-ab12-11111111"}""", handler.Bodies[0]);
    }

    [Fact]
    public async Task SendAsync_TooManyRequests_RetriedWithBackoffThenAnswered()
    {
        var handler = new ScriptedHandler(attempt => attempt < 2
            ? Json("""{"__type":"com.amazonaws.organizations#TooManyRequestsException","Message":"slow down"}""", HttpStatusCode.BadRequest)
            : Json("""{"Accounts":[]}"""));

        using var answer = await ClientFor(handler).SendAsync("ListAccounts", _ => { }, CancellationToken.None);

        Assert.Equal(3, handler.Attempts);
        Assert.Equal(2, _time.Delays.Count);
    }

    [Fact]
    public async Task SendAsync_AccessDenied_ThrownAtOnceWithItsCodeAndMessage()
    {
        var handler = new ScriptedHandler(_ => Json("""{"__type":"AccessDeniedException","Message":"You don't have permissions to access this resource."}""", HttpStatusCode.BadRequest));

        var error = await Assert.ThrowsAsync<AwsJsonException>(() => ClientFor(handler).SendAsync("ListAccounts", _ => { }, CancellationToken.None));

        Assert.Equal(("AccessDeniedException", 1), (error.Code, handler.Attempts));
        Assert.Contains("You don't have permissions", error.Message, StringComparison.Ordinal);
    }
}
