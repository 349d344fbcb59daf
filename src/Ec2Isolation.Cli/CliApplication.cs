using System.CommandLine;
using System.CommandLine.Invocation;
using Ec2Isolation.Aws;
using Ec2Isolation.Cli.Output;
using Ec2Isolation.Core;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Replacement;
using Ec2Isolation.Core.Scanning;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Cli;

/// <summary>
/// ec2-isolation: parses the command line, builds the service for the command, calls it and prints the result.
/// The service comes from a factory and the environment from a function, so that tests run it in-process.
/// </summary>
internal sealed partial class CliApplication
{
    /// <summary>How long an interrupted run may take to record where it stopped before the process exits.</summary>
    public static readonly TimeSpan InterruptGracePeriod = TimeSpan.FromSeconds(30);

    /// <summary>The command's name (the assembly's), fixed so that messages read the same under a test host.</summary>
    private const string Name = "ec2-isolation";

    private const string Table = "table";
    private const string Json = "json";

    private readonly Func<CliContext, CancellationToken, Task<CliServices>> _serviceFactory;
    private readonly Func<string, string?> _environment;
    private readonly RootCommand _rootCommand;

    private readonly Option<string?> _region = new("--region")
    {
        Description = "The AWS region (else AWS_REGION, then AWS_DEFAULT_REGION).",
        Recursive = true,
    };

    private readonly Option<string?> _profile = new("--profile")
    {
        Description = "A named profile from the shared AWS config and credentials files.",
        Recursive = true,
    };

    private readonly Option<string?> _endpointUrl = new("--endpoint-url")
    {
        Description = "Send every AWS call to this endpoint, e.g. an emulator (else AWS_ENDPOINT_URL).",
        Recursive = true,
    };

    private readonly Option<string> _output = new("--output", "-o")
    {
        Description = "table for people, json for scripts (exactly one object on standard output).",
        Recursive = true,
        DefaultValueFactory = _ => Table,
    };

    private readonly Option<string?> _account = new("--account")
    {
        Description = "Act in this member account (12 digits) through its member role (EC2ISOLATION_MEMBER_ROLE_NAME); the record stays in your own table.",
    };

    private readonly Option<bool> _verbose = new("--verbose", "-v")
    {
        Description = "Log debug messages and print the exception detail of an error.",
        Recursive = true,
    };

    public CliApplication(Func<CliContext, CancellationToken, Task<CliServices>> serviceFactory, Func<string, string?> environment)
    {
        _serviceFactory = serviceFactory;
        _environment = environment;
        _output.AcceptOnlyFromAmong(Table, Json);
        _rootCommand = new RootCommand("Isolates compromised EC2 instances and releases them, keeping a durable record of each isolation.")
        {
            _region, _profile, _endpointUrl, _output, _verbose, IsolateCommand(), ReleaseCommand(), ReplaceCommand(), StatusCommand(),
            InvokeCommand(), RecordsCommand(), StopCommand(), ScanCommand(), DecideCommand(approve: true), DecideCommand(approve: false),
        };
        _rootCommand.Options.OfType<VersionOption>().Single().Action = new CliVersion();
    }

    /// <summary>Parses and runs the command line; a parse error is bad input (exit code 2), reported like any other error.</summary>
    public Task<int> InvokeAsync(IReadOnlyList<string> args, InvocationConfiguration configuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var parseResult = _rootCommand.Parse(args);
        if (parseResult.Action is not ParseErrorAction)
        {
            return parseResult.InvokeAsync(configuration, cancellationToken);
        }

        // The option's own value counts only when it parsed: a bad --output falls back to text.
        var json = parseResult.GetResult(_output) is { } chosen && !chosen.Errors.Any() && chosen.GetValueOrDefault<string>() == Json;
        var help = parseResult.CommandResult.Command == _rootCommand ? "" : parseResult.CommandResult.Command.Name + " ";
        new OutputWriter(configuration.Output, configuration.Error, json, verbose: false).WriteError(
            ExitCodes.InvalidRequest,
            string.Join(" ", parseResult.Errors.Select(e => e.Message)) + $" Run '{Name} {help}--help' for usage.");
        return Task.FromResult(ExitCodes.InvalidRequest);
    }

    private Command IsolateCommand()
    {
        var reason = new Option<string?>("--reason") { Description = "Why, for the record and the tags." };
        var incident = new Option<string?>("--incident") { Description = "The incident id to tag with; generated when absent." };
        return ChangeCommand(
            new Command("isolate", "Contain an instance's network, revoke its credentials and keep its evidence.") { reason, incident },
            "The instance to isolate (i-...).",
            (parseResult, instanceId) => new IsolationRequest(instanceId, parseResult.GetValue(reason), parseResult.GetValue(incident)),
            (services, request, token) => services.Isolation.PlanIsolationAsync(request, token),
            async (services, request, token) => ChangeOutput.From(await services.Isolation.IsolateAsync(request, token)));
    }

    private Command ReleaseCommand()
    {
        var restoreGroups = new Option<string?>("--restore-groups")
        {
            Description = "Comma-separated security group ids (sg-...) for the network interfaces whose original groups are not known "
                + "(an instance found in isolation groups without a record: required then, exit code 4 without it); EC2 checks they belong to the interface's VPC.",
        };
        return ChangeCommand(
            new Command("release", "Restore an isolated instance's original configuration (all of it that still exists; the output lists the rest).") { restoreGroups },
            "The isolated instance to release (i-...).",
            (parseResult, instanceId) => new ReleaseRequest(
                instanceId,
                RestoreGroups: parseResult.GetValue(restoreGroups) is { } groups
                    ? groups.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    : null),
            (services, request, token) => services.Isolation.PlanReleaseAsync(request, token),
            async (services, request, token) => ChangeOutput.From(await services.Isolation.ReleaseAsync(request, token)));
    }

    private Command ReplaceCommand()
    {
        var ami = new Option<string?>("--ami") { Description = "Launch from this AMI (ami-...) instead of the launch template the instance was launched from." };
        var force = new Option<bool>("--force") { Description = "Launch even when a replacement launched earlier is still there." };
        var snapshots = ReimageOptions.FromSnapshot();
        var before = ReimageOptions.Before();
        var includeIsolationSnapshots = ReimageOptions.IncludeIsolationSnapshots();
        var (scanWait, noScan) = ScanOptions();
        return ChangeCommand(
            new Command(
                "replace",
                "Launch a clean replacement of an isolated instance: its subnet, instance type, original security groups (primary network interface) "
                + "and instance profile, from an AMI, its launch template, or (re-image) known-good snapshots of its volumes. Auto Scaling members are replaced by their group.")
            {
                ami, force, snapshots, before, includeIsolationSnapshots, scanWait, noScan,
            },
            "The isolated instance to replace (i-...).",
            (parseResult, instanceId) => (
                Replacement: new ReplacementRequest(
                    instanceId,
                    parseResult.GetValue(ami),
                    parseResult.GetValue(force),
                    parseResult.GetValue(snapshots) is { Length: > 0 } named ? named : null,
                    parseResult.GetValue(before),
                    parseResult.GetValue(includeIsolationSnapshots)),
                Scan: parseResult.GetValue(noScan) ? null : new ScanRequest(instanceId, ScanWait(parseResult, scanWait))),
            (services, request, token) => services.Replacement.PlanReplacementAsync(request.Replacement, token),
            async (services, request, token) => new ReplaceOutput(
                await ScanLaunchedAsync(services, await services.Replacement.ReplaceAsync(request.Replacement, token), request.Scan, token)));
    }

    private Command StopCommand()
    {
        var instanceId = new Argument<string>("instance-id") { Description = "The isolated instance to stop (i-...)." };
        var force = new Option<bool>("--force") { Description = "Stop although a snapshot of it has not completed (exit code 5 without it)." };
        var command = new Command(
            "stop",
            "Stop an isolated instance once every snapshot the isolation took has completed. Its memory is lost; its volumes and snapshots are kept. "
            + "Recorded; release starts it again if it was running.")
        {
            instanceId, force, _account,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult,
            async (services, token) => new StopOutput(await services.Isolation.StopAsync(
                new StopRequest(parseResult.GetRequiredValue(instanceId), parseResult.GetValue(force)), token)),
            cancellationToken));
        return command;
    }

    private Command StatusCommand()
    {
        var instanceId = new Argument<string?>("instance-id")
        {
            Description = "The instance whose record to show; every record when absent.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("status", "Show one instance's isolation record, or list every record (of every account; of one with --account).")
        {
            instanceId, _account,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult,
            async (services, token) => parseResult.GetValue(instanceId) is { } id
                ? StatusOutput.From(id, await services.Isolation.GetStatusAsync(id, token)) with
                {
                    Approval = services.Approvals is { } approvals ? await approvals.GetAsync(id, token) : null,
                }
                : new RecordsOutput([.. (await services.Isolation.ListAsync(token)).Where(r => AccountOf(parseResult) is not { } account || r.AccountId == account)]),
            cancellationToken));
        return command;
    }

    /// <summary>Operations on the record table itself.</summary>
    private Command RecordsCommand()
    {
        var from = new Option<string>("--from")
        {
            Description = "The table keyed by InstanceId that the records are copied from (the table of a release before many accounts).",
            Required = true,
        };
        var migrate = new Command(
            "migrate",
            "Copy the records of the old table (keyed by instance id) into the configured table (keyed by account, region and instance id); "
            + "records the new table has already are left as they are, so a rerun copies only what is missing. Records the previous version "
            + "left halfway, before it recorded the target registrations, are not copied but listed, with exit code 1.")
        {
            from,
        };
        migrate.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult,
            async (services, token) => new MigrationOutput(await services.Migration.CopyAsync(parseResult.GetRequiredValue(from), token)),
            cancellationToken));
        return new Command("records", "Maintain the isolation record table.") { migrate };
    }

    /// <summary>Replays an EventBridge event through the Lambda's own event processor and prints its result JSON.</summary>
    private Command InvokeCommand()
    {
        var eventFile = new Option<string>("--event")
        {
            Description = "The event's JSON file, as EventBridge delivers it to the function ('-' for standard input).",
            Required = true,
        };
        var command = new Command("invoke", "Run the function's event handling on an event file (a tag change, a GuardDuty finding, a scheduled sweep).")
        {
            eventFile,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult,
            async (services, token) => new EventOutput(await services.Events.HandleAsync(await ReadEventAsync(parseResult.GetRequiredValue(eventFile), token), token)),
            cancellationToken));
        return command;
    }

    private static async Task<string> ReadEventAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return path == "-" ? await Console.In.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidRequestException($"Cannot read the event file '{InstanceIds.Printable(path)}': {e.Message}");
        }
    }

    /// <summary>isolate, release and replace: an instance id, and --dry-run, which prints the plan instead of making the change.</summary>
    private Command ChangeCommand<TRequest>(
        Command command,
        string instanceIdDescription,
        Func<ParseResult, string, TRequest> createRequest,
        Func<CliServices, TRequest, CancellationToken, Task<IsolationPlan>> plan,
        Func<CliServices, TRequest, CancellationToken, Task<ICommandOutput>> apply)
    {
        var instanceId = new Argument<string>("instance-id") { Description = instanceIdDescription };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan: every API call it would make, permission-checked; change nothing." };
        command.Add(instanceId);
        command.Add(dryRun);
        command.Add(_account);
        command.SetAction((parseResult, cancellationToken) =>
        {
            var request = createRequest(parseResult, parseResult.GetRequiredValue(instanceId));
            return RunAsync(
                parseResult,
                async (services, token) => parseResult.GetValue(dryRun)
                    ? new PlanOutput(await plan(services, request, token))
                    : await apply(services, request, token),
                cancellationToken);
        });
        return command;
    }

    /// <summary>Builds the context and the service, runs the command and prints its output, or the error and its exit code.</summary>
    private async Task<int> RunAsync(
        ParseResult parseResult, Func<CliServices, CancellationToken, Task<ICommandOutput>> command, CancellationToken cancellationToken)
    {
        var isVerbose = parseResult.GetValue(_verbose);
        var writer = new OutputWriter(
            parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error, parseResult.GetValue(_output) == Json, isVerbose);
        try
        {
            ICommandOutput result;
            await using (var context = CreateContext(parseResult, isVerbose))
            {
                result = await command(await _serviceFactory(context, cancellationToken), cancellationToken);
            }

            writer.Write(result);
            return result.ExitCode;
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            writer.WriteError(ExitCodes.Failure, new OperationCanceledException(
                "Interrupted before the command completed; steps that completed stay in force and the record lists them. Run it again to finish.", e));
            return ExitCodes.Failure;
        }
#pragma warning disable CA1031 // Every failure becomes one line and an exit code, never a stack trace.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var code = ExitCodes.For(e);
            writer.WriteError(code, e);
            return code;
        }
    }

    private CliContext CreateContext(ParseResult parseResult, bool isVerbose)
    {
        var settings = IsolationSettings.FromEnvironment(_environment);
        var regionName = NonBlank(parseResult.GetValue(_region)) ?? Variable("AWS_REGION") ?? Variable("AWS_DEFAULT_REGION")
            ?? throw new InvalidRequestException("No AWS region: pass --region or set AWS_REGION.");
        var endpoint = NonBlank(parseResult.GetValue(_endpointUrl)) ?? Variable("AWS_ENDPOINT_URL");
        if (endpoint is not null && !Uri.TryCreate(endpoint, UriKind.Absolute, out _))
        {
            throw new InvalidRequestException($"The endpoint URL '{InstanceIds.Printable(endpoint)}' is not an absolute URL.");
        }

        var connection = new AwsConnection(regionName, endpoint, NonBlank(parseResult.GetValue(_profile)), RoleSessionName: Name);
        return new CliContext(settings, connection, CreateLoggerFactory(isVerbose ? LogLevel.Debug : LogLevel.Information), AccountOf(parseResult));
    }

    /// <summary>The --account of the command, checked; null when absent.</summary>
    private string? AccountOf(ParseResult parseResult) =>
        NonBlank(parseResult.GetValue(_account)) is { } account ? AccountSettings.ValidateAccountId(account) : null;

    private string? Variable(string name) => NonBlank(_environment(name));

    private static string? NonBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>Single-line console logs, all on standard error: standard output is the command's output only.</summary>
    private static ILoggerFactory CreateLoggerFactory(LogLevel level) => LoggerFactory.Create(logging => logging
        .SetMinimumLevel(level)
        .AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.UseUtcTimestamp = true;
            console.TimestampFormat = "HH:mm:ss ";
        })
        .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
}
