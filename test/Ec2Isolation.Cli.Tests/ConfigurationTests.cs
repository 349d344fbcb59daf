using Ec2Isolation.Aws;
using Moq;

namespace Ec2Isolation.Cli.Tests;

public sealed class ConfigurationTests
{
    private readonly CliHarness _cli = new();

    public ConfigurationTests() => _cli.Service.Setup(s => s.ListAsync(It.IsAny<CancellationToken>())).ReturnsAsync([]);

    [Fact]
    public async Task Status_TableNotSet_ExitsTwoNamingTheVariable()
    {
        _cli.Environment.Remove("EC2ISOLATION_TABLE");

        var run = await _cli.RunAsync("status");

        Assert.Equal(ExitCodes.InvalidRequest, run.ExitCode);
        Assert.Contains("EC2ISOLATION_TABLE is not set", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.Null(_cli.Context);
    }

    [Fact]
    public async Task Status_NoRegionAnywhere_ExitsTwoSayingHowToGiveOne()
    {
        _cli.Environment.Remove("AWS_REGION");

        var run = await _cli.RunAsync("status");

        Assert.Equal(ExitCodes.InvalidRequest, run.ExitCode);
        Assert.Equal("error: No AWS region: pass --region or set AWS_REGION.", Assert.Single(run.ErrorLines));
        Assert.Null(_cli.Context);
    }

    [Theory]
    [InlineData("status --region us-east-2", "eu-west-1", "ap-south-1", "us-east-2")]
    [InlineData("--region us-east-2 status", null, null, "us-east-2")]
    [InlineData("status", "eu-west-1", "ap-south-1", "eu-west-1")]
    [InlineData("status", " ", "ap-south-1", "ap-south-1")]
    [InlineData("status --region \"\"", "eu-west-1", null, "eu-west-1")]
    public async Task Status_RegionSources_OptionThenAwsRegionThenAwsDefaultRegion(
        string commandLine, string? awsRegion, string? awsDefaultRegion, string expected)
    {
        SetOrRemove("AWS_REGION", awsRegion);
        SetOrRemove("AWS_DEFAULT_REGION", awsDefaultRegion);

        var run = await _cli.RunAsync(commandLine);

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal(expected, _cli.Context?.Connection.Region);
    }

    [Fact]
    public async Task Status_ConnectionOptions_ReachTheServiceFactory()
    {
        _cli.Environment["AWS_ENDPOINT_URL"] = "http://localhost:1";

        var run = await _cli.RunAsync("status --profile forensics --endpoint-url http://localhost:5000");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal(new AwsConnection("eu-west-1", "http://localhost:5000", "forensics"), _cli.Context?.Connection);
        Assert.Equal("isolations", _cli.Context?.Settings.TableName);
    }

    [Fact]
    public async Task Status_EndpointInEnvironment_IsUsedWhenNoOption()
    {
        _cli.Environment["AWS_ENDPOINT_URL"] = "http://localhost:5000";

        await _cli.RunAsync("status");

        Assert.Equal(new AwsConnection("eu-west-1", "http://localhost:5000"), _cli.Context?.Connection);
    }

    [Fact]
    public async Task Status_EndpointNotAUrl_ExitsTwo()
    {
        var run = await _cli.RunAsync("status --endpoint-url localhost");

        Assert.Equal(ExitCodes.InvalidRequest, run.ExitCode);
        Assert.Equal("error: The endpoint URL 'localhost' is not an absolute URL.", Assert.Single(run.ErrorLines));
    }

    private void SetOrRemove(string name, string? value)
    {
        if (value is null)
        {
            _cli.Environment.Remove(name);
        }
        else
        {
            _cli.Environment[name] = value;
        }
    }
}
