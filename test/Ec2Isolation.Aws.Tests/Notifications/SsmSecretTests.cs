using Amazon.SimpleSystemsManagement;
using Ec2Isolation.Aws.Notifications;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Notifications;

/// <summary>Secrets read from SSM Parameter Store in moto, through the SDK client the composition root makes.</summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class SsmSecretTests(MotoServer moto) : IAsyncLifetime, IDisposable
{
    private const string Name = "/ec2-isolation/slack-webhook";
    private const string Value = "https://hooks.slack.com/services/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k";
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly IAmazonSimpleSystemsManagement _ssm = moto.Clients().CreateSsm();

    public Task InitializeAsync() => moto.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _ssm.Dispose();

    [Fact]
    public async Task GetAsync_SecureString_DecryptedValueReadOncePerProcess()
    {
        await _ssm.PutParameterAsync(new() { Name = Name, Value = Value, Type = ParameterType.SecureString });
        var secret = new SsmSecret(_ssm, Name);
        await moto.StartRecordingAsync();

        var first = await secret.GetAsync(None);
        var second = await secret.GetAsync(None);

        Assert.Equal((Value, Value), (first, second));
        var reads = RequestLog.Parse(await moto.StopRecordingAsync()).Where(request => request.IamAction == "ssm:GetParameter");
        Assert.Single(reads);
    }

    [Fact]
    public async Task GetAsync_PlainStringParameter_RefusedWithoutItsValue()
    {
        await _ssm.PutParameterAsync(new() { Name = Name, Value = Value, Type = ParameterType.String });

        var error = await Assert.ThrowsAsync<NotificationException>(() => new SsmSecret(_ssm, Name).GetAsync(None));

        Assert.Equal($"SSM parameter {Name} is a String, not a SecureString: store the secret encrypted.", error.Message);
    }

    [Fact]
    public async Task GetAsync_ParameterMissing_ErrorNamesItAndTheNextUseReadsAgain()
    {
        var secret = new SsmSecret(_ssm, Name);

        var error = await Assert.ThrowsAsync<NotificationException>(() => secret.GetAsync(None));
        await _ssm.PutParameterAsync(new() { Name = Name, Value = Value, Type = ParameterType.SecureString });

        Assert.Contains($"SSM parameter {Name} was not found", error.Message, StringComparison.Ordinal);
        Assert.Equal(Value, await secret.GetAsync(None));
    }
}
