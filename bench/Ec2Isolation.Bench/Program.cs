using System.Diagnostics;
using Ec2Isolation.Bench;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Logging;

// bench/run.sh: round trips and time to containment (ours against the baseline), cold starts (AOT against JIT), and a
// throttled burst, all against moto on 127.0.0.1; writes bench/RESULTS.md. Options: see BenchOptions.
using var logging = LoggerFactory.Create(builder => builder.AddSimpleConsole(console =>
{
    console.SingleLine = true;
    console.TimestampFormat = "HH:mm:ss ";
}));
var logger = logging.CreateLogger("bench");
void Progress(string message) => Log.Progress(logger, message);
if (args is ["--outbreak", ..])
{
    return await OutbreakReport.RunAsync(args, Progress);
}

var options = BenchOptions.Parse(args);

var began = Stopwatch.GetTimestamp();
var root = BootstrapProcess.RepositoryRoot;
if (options.Only == "acl-cut")
{
    return await AclCutBench.RunAloneAsync(options, Path.Combine(root, "bench", "RESULTS.md"), Progress);
}

Progress("publishing the Native AOT bootstrap (when stale) and the JIT build");
var aot = await BootstrapProcess.EnsurePublishedAsync();
var jit = await ColdStartBench.PublishJitAsync(root);
var loadAtStart = Report.LoadAverage();

var moto = new MotoServer();
await moto.InitializeAsync();
try
{
    Progress($"moto on {moto.EndpointUrl}; building the account");
    var account = await BenchAccount.CreateAsync(moto, extraVpcs: 2, backgroundPerVpc: 6);
    List<Measurement> containment;
    List<AclCutMeasurement> aclCuts;
    await using (var proxy = FaultProxy.Start(moto.EndpointUrl))
    await using (var wire = await WireRecorder.StartAsync(proxy.Endpoint))
    await using (var ours = Ours.Create(account.Moto.Settings, wire.Endpoint))
    await using (var baseline = await Baseline.StartAsync(Path.Combine(root, "bench"), wire.Endpoint, MotoAccount.IsolationProfile))
    {
        containment = await new ContainmentBench(account, wire, proxy, [ours, baseline]).RunAsync(options.Runs, [TimeSpan.Zero, options.Latency], Progress);
        aclCuts = await new AclCutBench(account, wire, proxy, ours).RunAsync(options.Runs, [TimeSpan.Zero, options.Latency], Progress);
    }

    var coldStarts = await new ColdStartBench(account, moto.EndpointUrl).RunAsync(
        new Dictionary<string, string[]> { ["AOT"] = [aot], ["JIT"] = ["dotnet", jit] }, options.Runs, Progress);
    account.Dispose();

    var burst = await BurstBench.RunAsync(moto, options.BurstInstances, options.Concurrency, options.ThrottledShare, Progress);
    var path = Path.Combine(root, "bench", "RESULTS.md");
    await Report.WriteAsync(path, options, loadAtStart, containment, coldStarts, burst, Stopwatch.GetElapsedTime(began), aclCuts);
    Progress($"wrote {path} ({Stopwatch.GetElapsedTime(began).TotalSeconds:F0} s)");
    return Report.TargetsMissed(containment, coldStarts, burst) == 0 ? 0 : 1;
}
finally
{
    await moto.DisposeAsync();
}
