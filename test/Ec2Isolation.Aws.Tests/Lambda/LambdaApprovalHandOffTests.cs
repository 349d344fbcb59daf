using Amazon.Runtime;
using Ec2Isolation.Aws.Lambda;
using Ec2Isolation.Aws.Organizations;
using Ec2Isolation.Aws.Tests.Query;
using Ec2Isolation.Core.Approvals;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Lambda;

/// <summary>
/// The hand-off to Lambda's asynchronous Invoke against a local stand-in speaking Lambda's REST API (moto runs
/// functions in Docker only): the path, the invocation type, the signature's service, and what Lambda refuses
/// (https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html#API_Invoke_Errors).
/// </summary>
public sealed class LambdaApprovalHandOffTests : IAsyncDisposable
{
    private const string FunctionName = "Ec2Isolation-Function76856677-AbCdEfGh1234";
    private static readonly StandInAnswer Accepted = new(202);

    private static readonly ApprovalHandOff Decision = new(
        "0123456789abcdef0123456789abcdef", "123456789012", "eu-west-1", "i-0123456789abcdef0",
        new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero), new Uri("https://hooks.slack.com/actions/T0TEAM/1/abc"));

    private readonly ImmediateTimeProvider _time = new();
    private HttpStandIn? _lambda;

    public async ValueTask DisposeAsync()
    {
        if (_lambda is not null)
        {
            await _lambda.DisposeAsync();
        }
    }

    private static StandInAnswer Error(int status, string type, string message) =>
        new(status, $$"""{"Type":"User","message":"{{message}}"}""", ("Content-Type", "application/json"), ("x-amzn-ErrorType", type));

    private LambdaApprovalHandOff Start(params StandInAnswer[] answers)
    {
        _lambda = HttpStandIn.Start(HttpStandIn.InTurn(answers));
        var clients = new AwsClientFactory(new AwsConnection("eu-west-1", _lambda.BaseUrl.AbsoluteUri), new BasicAWSCredentials("AKIDEXAMPLE", "secret"));
        return LambdaApprovalHandOff.Create(clients, FunctionName, _time);
    }

    [Fact]
    public async Task HandOffAsync_Accepted_PostsTheEventAsAnAsynchronousInvocationSignedForLambda()
    {
        var handOff = Start(Accepted);

        await handOff.HandOffAsync(Decision, CancellationToken.None);

        var request = Assert.Single(_lambda!.Requests);
        Assert.Equal(("POST", $"/2015-03-31/functions/{FunctionName}/invocations"), (request.Method, request.Path));
        Assert.Equal("Event", request.Header("X-Amz-Invocation-Type"));
        Assert.Matches(@"^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\d{8}/eu-west-1/lambda/aws4_request, SignedHeaders=", request.Header("Authorization"));
        Assert.Equal(Decision.ToEventJson(), request.Body);
    }

    [Fact]
    public async Task HandOffAsync_ThrottledOnce_RetriedAndAccepted()
    {
        var handOff = Start(Error(429, "TooManyRequestsException", "Rate exceeded"), Accepted);

        await handOff.HandOffAsync(Decision, CancellationToken.None);

        Assert.Equal(2, _lambda!.Requests.Count);
    }

    [Theory]
    [InlineData(403, "AccessDeniedException")]
    [InlineData(404, "ResourceNotFoundException")]
    [InlineData(413, "RequestTooLargeException")]
    public async Task HandOffAsync_Refused_ThrowsItsCodeWithoutRetrying(int status, string code)
    {
        var handOff = Start(Error(status, code, "refused"));

        var error = await Assert.ThrowsAsync<AwsJsonException>(() => handOff.HandOffAsync(Decision, CancellationToken.None));

        Assert.Equal(code, error.Code);
        Assert.Single(_lambda!.Requests);
    }
}
