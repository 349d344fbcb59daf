using System.CommandLine;
using System.CommandLine.Parsing;
using Ec2Isolation.Aws.DynamoDb;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Replacement;
using Ec2Isolation.Core.Scanning;
using Moq;

namespace Ec2Isolation.Cli.Tests;

/// <summary>Runs the CLI in-process over a strict mock service and an environment of its own, capturing both output streams.</summary>
internal sealed class CliHarness
{
    public Mock<IIsolationService> Service { get; } = new(MockBehavior.Strict);

    public Mock<IIsolationEventProcessor> Events { get; } = new(MockBehavior.Strict);

    public Mock<IReplacementService> Replacement { get; } = new(MockBehavior.Strict);

    public Mock<IRecordMigration> Migration { get; } = new(MockBehavior.Strict);

    /// <summary>Answers every scan "not scanned" unless a test sets it up otherwise; tests verify what it was asked.</summary>
    public Mock<IReplacementScanner> Scanner { get; } = NotScanning();

    public Dictionary<string, string> Environment { get; } = new()
    {
        ["EC2ISOLATION_TABLE"] = "isolations",
        ["AWS_REGION"] = "eu-west-1",
    };

    /// <summary>The approval requests the commands decide; null: approvals are not configured.</summary>
    public ApprovalCommands? Approvals { get; set; }

    /// <summary>The context the service was built with; null when the command never got that far.</summary>
    public CliContext? Context { get; private set; }

    private static Mock<IReplacementScanner> NotScanning()
    {
        var scanner = new Mock<IReplacementScanner>(MockBehavior.Strict);
        scanner.Setup(s => s.ScanAsync(It.IsAny<ScanRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((ScanRequest request, CancellationToken _) => new ScanResult(request.InstanceId, new ScanSummary
            {
                ReplacementInstanceId = "i-0aaaaaaaaaaaaaaaa",
                At = DateTimeOffset.UnixEpoch,
                NotScannedReason = "Amazon Inspector does not scan EC2 instances in this account and region.",
            }));
        return scanner;
    }

    public async Task<CliRun> RunAsync(string commandLine, CancellationToken cancellationToken = default)
    {
        var application = new CliApplication(
            (context, _) =>
            {
                Context = context;
                return Task.FromResult(new CliServices(Service.Object, Events.Object, Replacement.Object, Migration.Object, Scanner.Object, Approvals));
            },
            Environment.GetValueOrDefault);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        var exitCode = await application.InvokeAsync([.. CommandLineParser.SplitCommandLine(commandLine)], configuration, cancellationToken);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }
}

internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
