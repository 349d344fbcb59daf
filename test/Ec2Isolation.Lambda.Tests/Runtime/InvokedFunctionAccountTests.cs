using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Lambda.Runtime;
using Moq;

namespace Ec2Isolation.Lambda.Tests.Runtime;

public sealed class InvokedFunctionAccountTests
{
    private readonly Mock<IAccountIdentity> _sts = new(MockBehavior.Strict);
    private readonly Mock<ILambdaRuntimeApi> _runtime = new(MockBehavior.Strict);

    private async Task<string> AccountAfterInvocationAsync(string? functionArn)
    {
        _runtime.Setup(r => r.NextInvocationAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync(new LambdaInvocation("request-1", "{}", Deadline: null, functionArn, TraceId: null));
        var account = new InvokedFunctionAccount(() => _sts.Object);

        await account.Observe(_runtime.Object).NextInvocationAsync(CancellationToken.None);
        return await account.GetAccountIdAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:ec2-isolation")]
    [InlineData("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:ec2-isolation:live")]
    public async Task GetAccountIdAsync_InvocationNamesTheFunction_ItsAccountWithoutAskingSts(string functionArn) =>
        // The strict STS mock fails the test if it is asked: containment must not wait for a round trip.
        Assert.Equal("123456789012", await AccountAfterInvocationAsync(functionArn));

    [Theory]
    [InlineData(null)]
    [InlineData("not-an-arn")]
    public async Task GetAccountIdAsync_NoUsableArn_AsksSts(string? functionArn)
    {
        _sts.Setup(s => s.GetAccountIdAsync(It.IsAny<CancellationToken>())).ReturnsAsync("210987654321");

        Assert.Equal("210987654321", await AccountAfterInvocationAsync(functionArn));
    }
}
