using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Reliability;

/// <summary>
/// The credentials the programs run with never appear in what they write: the real ec2-isolation program and the
/// real bootstrap run with a distinctive secret key and session token, through successes, a failed step, a malformed
/// event, status and release, with --verbose (exception detail) for the program; neither value is in any output line,
/// response or error body, or stored record, while moto's request log shows the session token was in use.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
[Trait("Category", "Aot")]
public sealed class SecretsTests(MotoServer moto) : ReliabilityTests(moto)
{
    private const string SecretKey = "SeCrEt0KeY0wJalrXUtnFEMI0K7MDENG0bPxRfiCY0DO0NOT0LEAK";
    private const string SessionToken = "SeSsIoN0ToKeN0IQoJb3JpZ2luX2VjEJr0DO0NOT0LEAK0FwoGZXIvYXdzEBYaDNr0h8QZ";

    private static readonly Dictionary<string, string?> Credentials = new(StringComparer.Ordinal)
    {
        ["AWS_SECRET_ACCESS_KEY"] = SecretKey,
        ["AWS_SESSION_TOKEN"] = SessionToken,
    };

    private readonly LambdaRuntimeStandIn _runtime = LambdaRuntimeStandIn.Start();
    private readonly List<string> _written = [];

    public override async Task DisposeAsync()
    {
        await _runtime.DisposeAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task CliAndBootstrap_DistinctiveCredentials_NeverInOutputsBodiesOrRecords()
    {
        var account = Scenario.Account;
        var app = await account.Network.CreateGroupAsync("app");
        var byFunction = await account.Network.RunInstanceAsync([app]);
        var failingInFunction = await account.Network.RunInstanceAsync([app]);
        await Moto.StartRecordingAsync();

        await RunProgramAsync();
        await RunFunctionAsync(byFunction.InstanceId, failingInFunction.InstanceId);

        var recording = await Moto.StopRecordingAsync();
        Assert.Contains(SessionToken, recording, StringComparison.Ordinal);
        using var dynamo = account.Clients.CreateDynamoDb();
        var items = (await dynamo.ScanAsync(new() { TableName = MotoAccount.TableName })).Items;
        // Three records; the role's revocation list beside them (no Record attribute) is read for leaks too.
        Assert.Equal(3, items.Count(item => item.ContainsKey("Record")));
        _written.AddRange(items.SelectMany(item => item.Values).Select(value => value.S ?? value.N));
        Assert.All(_written, text => Assert.False(Leaks(text), text));
    }

    /// <summary>isolate failing at a step, isolate again, status, a malformed event, release: all verbose.</summary>
    private async Task RunProgramAsync()
    {
        var instanceId = Scenario.InstanceId;
        var invalidEvent = Path.GetTempFileName();
        await File.WriteAllTextAsync(invalidEvent, """{"source": "aws.tag", "detail-type": """);
        Scenario.Proxy.Rule = FaultRules.Always(IsolationCalls.Mutation("iam:CreatePolicy").Matches, AwsErrors.AccessDenied("iam"));
        var runs = new List<ProgramRun> { await RunCliAsync($"isolate {instanceId}") };
        Scenario.Proxy.Rule = _ => null;
        runs.Add(await RunCliAsync($"isolate {instanceId} -o json"));
        runs.Add(await RunCliAsync($"status {instanceId} -o json"));
        runs.Add(await RunCliAsync($"invoke --event {invalidEvent}"));
        runs.Add(await RunCliAsync($"release {instanceId} -o json"));
        File.Delete(invalidEvent);

        Assert.Equal([1, 0, 0, 2, 0], runs.Select(run => run.ExitCode));
        _written.AddRange(runs.SelectMany(run => new[] { run.Output, run.Error }));
    }

    /// <summary>A tag change that isolates, a malformed event, and a tag change whose isolation fails at a step.</summary>
    private async Task RunFunctionAsync(string instanceId, string failingInstanceId)
    {
        var environment = MotoEnvironment.For(Scenario.Proxy.Endpoint);
        foreach (var (name, value) in Credentials)
        {
            environment[name] = value;
        }

        var function = await BootstrapProcess.StartAsync(_runtime, environment);
        var outcomes = new List<LambdaOutcome>();
        try
        {
            Scenario.Proxy.Rule = FaultRules.Always(
                request => IsolationCalls.Mutation("ec2:CreateTags").Matches(request) && request.Parameter("ResourceId.1") == failingInstanceId,
                AwsErrors.AccessDenied("ec2"));
            foreach (var eventJson in new[]
            {
                SampleEvents.Load(SampleEvents.TagChange, instanceId),
                """{"source": "aws.tag", "detail-type": """,
                SampleEvents.Load(SampleEvents.TagChange, failingInstanceId),
            })
            {
                outcomes.Add(await _runtime.WaitForOutcomeAsync(_runtime.Enqueue(eventJson), TimeSpan.FromMinutes(1)));
            }
        }
        finally
        {
            // Ends the process: every line it wrote has been read by then.
            await function.DisposeAsync();
        }

        Assert.Equal([false, true, true], outcomes.Select(outcome => outcome.IsError));
        Assert.Equal("IsolationFailedException", outcomes[2].ErrorTypeHeader);
        _written.AddRange(outcomes.SelectMany(outcome => outcome.Headers.Values.Append(outcome.Body)));
        _written.AddRange(function.Lines);
    }

    private Task<ProgramRun> RunCliAsync(string arguments) => Scenario.RunCliAsync(arguments + " --verbose", Credentials);

    /// <summary>The whole value, or any 12 characters of it in a row.</summary>
    private static bool Leaks(string? text) =>
        text is not null && new[] { SecretKey, SessionToken }.Any(secret =>
            Enumerable.Range(0, secret.Length - 11).Any(start => text.Contains(secret.Substring(start, 12), StringComparison.Ordinal)));
}
