using System.CommandLine;
using Ec2Isolation.Cli.Output;
using Ec2Isolation.Core.Replacement;
using Ec2Isolation.Core.Scanning;

namespace Ec2Isolation.Cli;

/// <summary>The Amazon Inspector scan of a replacement: after <c>replace</c>, and on its own as <c>scan</c>.</summary>
internal sealed partial class CliApplication
{
    /// <summary>An hour, as EC2ISOLATION_INSPECTOR_WAIT_SECONDS allows.</summary>
    private const int MaxScanWaitSeconds = 3600;

    private static (Option<int?> ScanWait, Option<bool> NoScan) ScanOptions()
    {
        var scanWait = new Option<int?>("--scan-wait")
        {
            Description = $"Seconds to wait for Amazon Inspector to scan the replacement, 0 to {MaxScanWaitSeconds} (else EC2ISOLATION_INSPECTOR_WAIT_SECONDS, default 300).",
        };
        scanWait.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 0 or > MaxScanWaitSeconds)
            {
                result.AddError($"--scan-wait must be from 0 to {MaxScanWaitSeconds} seconds.");
            }
        });
        var noScan = new Option<bool>("--no-scan") { Description = "Do not ask Amazon Inspector about the replacement ('scan' can, later)." };
        return (scanWait, noScan);
    }

    private static TimeSpan? ScanWait(ParseResult parseResult, Option<int?> scanWait) =>
        parseResult.GetValue(scanWait) is { } seconds ? TimeSpan.FromSeconds(seconds) : null;

    /// <summary>
    /// Scans the replacement this run launched; a replacement found already there, or left to its group, is not. A summary
    /// another run kept out of the record is still shown, and the message says so.
    /// </summary>
    private static async Task<ReplacementResult> ScanLaunchedAsync(
        CliServices services, ReplacementResult result, ScanRequest? scan, CancellationToken cancellationToken)
    {
        if (scan is null || result.Outcome != ReplacementOutcome.Launched)
        {
            return result;
        }

        var scanned = await services.Scanner.ScanAsync(scan, cancellationToken);
        return result with
        {
            Scan = scanned.Summary,
            Message = scanned.NotRecorded is { } why ? $"{result.Message} The scan summary was not recorded ({why}): run 'scan' to record it." : result.Message,
        };
    }

    private Command ScanCommand()
    {
        var instanceId = new Argument<string>("instance-id") { Description = "The isolated instance whose latest replacement to scan (i-...)." };
        var (scanWait, _) = ScanOptions();
        var command = new Command(
            "scan",
            "Read Amazon Inspector's findings on the latest replacement of an isolated instance, waiting (bounded) for its scan; "
            + "record the summary and send it to the ticket and the chat.")
        {
            instanceId, scanWait, _account,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult,
            async (services, token) => new ScanOutput(await services.Scanner.ScanAsync(
                new ScanRequest(parseResult.GetRequiredValue(instanceId), ScanWait(parseResult, scanWait)), token)),
            cancellationToken));
        return command;
    }
}
