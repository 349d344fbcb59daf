using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;

namespace Ec2Isolation.Cdk.Tests;

/// <summary>Which stacks the app makes: one per region, each with its own code asset.</summary>
public sealed class AppTests : IDisposable
{
    private readonly string _codeFolder = StubCode.CreateFolder();

    [Fact]
    public void AddStacks_Regions_OneStackPerRegionInTheAccount()
    {
        var stacks = AddStacks(DeploymentSettings.Defaults with { Regions = ["eu-west-1", "us-east-1"] }, "111122223333", "ap-south-1");

        Assert.Equal(["Ec2Isolation-eu-west-1", "Ec2Isolation-us-east-1"], stacks.Select(s => s.StackName));
        Assert.Equal(["eu-west-1", "us-east-1"], stacks.Select(s => s.Region));
        Assert.All(stacks, stack => Assert.Equal("111122223333", stack.Account));
    }

    [Fact]
    public void AddStacks_NoRegions_OneStackInTheCliRegion()
    {
        var stack = Assert.Single(AddStacks(DeploymentSettings.Defaults, account: null, defaultRegion: "eu-north-1"));

        Assert.Equal(("Ec2Isolation-eu-north-1", "eu-north-1"), (stack.StackName, stack.Region));
    }

    [Fact]
    public void AddStacks_NoRegionAtAll_OneEnvironmentAgnosticStack()
    {
        var stack = Assert.Single(AddStacks(DeploymentSettings.Defaults, account: null, defaultRegion: null));

        Assert.Equal("Ec2Isolation", stack.StackName);
        Assert.True(Token.IsUnresolved(stack.Region));
        Assert.True(Token.IsUnresolved(stack.Account));
    }

    public void Dispose() => Directory.Delete(_codeFolder, recursive: true);

    private IReadOnlyList<Ec2IsolationStack> AddStacks(DeploymentSettings settings, string? account, string? defaultRegion)
    {
        JsiiNode.SilenceVersionWarnings();
        return Ec2IsolationApp.AddStacks(new App(), settings, () => Code.FromAsset(_codeFolder), account, defaultRegion);
    }
}
