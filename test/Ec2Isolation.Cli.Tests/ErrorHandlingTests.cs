using Ec2Isolation.Core;
using Ec2Isolation.Core.Isolation;
using Moq;

namespace Ec2Isolation.Cli.Tests;

public sealed class ErrorHandlingTests
{
    private readonly CliHarness _cli = new();

    public static TheoryData<Exception, int> Failures => new()
    {
        { new InvalidRequestException("Instance i-0123456789abcdef0 is terminated; nothing was changed."), 2 },
        { new IsolationBusyException("Another run holds the record of i-0123456789abcdef0."), 3 },
        { new IsolationFailedException("Isolation failed at step 'network'.", "network", new TimeoutException("slow")), 1 },
        { new InvalidOperationException("Something unexpected."), 1 },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task Isolate_ServiceThrows_MapsToExitCodeWithOneErrorLine(Exception failure, int exitCode)
    {
        _cli.Service.Setup(s => s.IsolateAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>())).ThrowsAsync(failure);

        var run = await _cli.RunAsync($"isolate {TestData.InstanceId}");

        Assert.Equal(exitCode, run.ExitCode);
        Assert.Equal("error: " + failure.Message, Assert.Single(run.ErrorLines));
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task Status_MultiLineMessage_IsPrintedOnOneLine()
    {
        _cli.Service.Setup(s => s.ListAsync(It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("The table\n  was not found."));

        var run = await _cli.RunAsync("status");

        Assert.Equal("error: The table was not found.", Assert.Single(run.ErrorLines));
    }

    [Fact]
    public async Task Status_ServiceThrowsVerbose_AddsTheExceptionDetail()
    {
        _cli.Service.Setup(s => s.ListAsync(It.IsAny<CancellationToken>())).ThrowsAsync(new InvalidOperationException("Something unexpected."));

        var run = await _cli.RunAsync("status --verbose");

        Assert.Equal(ExitCodes.Failure, run.ExitCode);
        Assert.Equal("error: Something unexpected.", run.ErrorLines[0]);
        Assert.Contains("System.InvalidOperationException: Something unexpected.", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("quarantine i-0123456789abcdef0")]
    [InlineData("isolate i-0123456789abcdef0 --force")]
    [InlineData("isolate")]
    [InlineData("release i-0123456789abcdef0 i-0fedcba9876543210")]
    [InlineData("status --output xml")]
    public async Task Invoke_InvalidCommandLine_ExitsTwoWithOneErrorLineAndNoHelp(string commandLine)
    {
        var run = await _cli.RunAsync(commandLine);

        Assert.Equal(ExitCodes.InvalidRequest, run.ExitCode);
        Assert.StartsWith("error: ", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.Empty(run.Output);
        Assert.Null(_cli.Context);
    }

    [Fact]
    public async Task Invoke_UnknownOption_NamesItAndPointsToTheCommandHelp()
    {
        var run = await _cli.RunAsync($"isolate {TestData.InstanceId} --force");

        var line = Assert.Single(run.ErrorLines);
        Assert.Contains("'--force'", line, StringComparison.Ordinal);
        Assert.EndsWith("Run 'ec2-isolation isolate --help' for usage.", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_Help_ExitsZeroAndListsTheCommands()
    {
        var run = await _cli.RunAsync("--help");

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Contains("isolate <instance-id>", run.Output, StringComparison.Ordinal);
        Assert.Contains("release <instance-id>", run.Output, StringComparison.Ordinal);
        Assert.Contains("status <instance-id>", run.Output, StringComparison.Ordinal);
    }
}
