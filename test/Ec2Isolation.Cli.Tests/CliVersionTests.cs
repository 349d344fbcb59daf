namespace Ec2Isolation.Cli.Tests;

public sealed class CliVersionTests
{
    [Fact]
    public async Task Version_Option_NamesTheVersionAndTheGitCommitOfThisBuild()
    {
        var run = await new CliHarness().RunAsync("--version");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        // The SDK's Source Link reads the commit from the clone the test was built in.
        Assert.Matches(@"^ec2-isolation 1\.0\.0 \(commit [0-9a-f]{40}\)\n$", run.Output);
    }

    [Theory]
    [InlineData("1.2.3+0123456789abcdef0123456789abcdef01234567", "ec2-isolation 1.2.3 (commit 0123456789abcdef0123456789abcdef01234567)")]
    [InlineData("1.2.3-rc.1", "ec2-isolation 1.2.3-rc.1 (commit unknown)")]
    public void Describe_InformationalVersion_VersionAndCommit(string informationalVersion, string expected) =>
        Assert.Equal(expected, CliVersion.Describe(informationalVersion));
}
