using System.Text;
using System.Text.Json;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Replacement;
using Ec2Isolation.Lambda.Logging;
using Ec2Isolation.Lambda.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace Ec2Isolation.Lambda.Tests;

[Collection(LoopTests.Name)]
public sealed class JsonLoggerProviderTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly MemoryStream _output = new();
    private readonly ILoggerFactory _factory;

    public JsonLoggerProviderTests() =>
        _factory = LoggerFactory.Create(logging => logging.AddProvider(new JsonLoggerProvider(_output, new FakeTimeProvider(Now))));

    public void Dispose()
    {
        _factory.Dispose();
        _output.Dispose();
    }

    [Fact]
    public async Task Log_DuringAnInvocation_EveryLineIsJsonWithRequestIdAndTemplateProperties()
    {
        var processorLogger = _factory.CreateLogger<IIsolationEventProcessor>();
        var processor = new Mock<IIsolationEventProcessor>();
        processor.Setup(p => p.HandleAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .Callback(() =>
            {
                using var scope = processorLogger.BeginScope(new Dictionary<string, object> { ["InstanceId"] = "i-0123456789abcdef0" });
                TestData.LogIsolating(processorLogger, "i-0123456789abcdef0", "tag");
            })
            .ReturnsAsync(TestData.Isolated());
        var function = new LambdaFunction(new Mock<ILambdaRuntimeApi>().Object, processor.Object, TimeProvider.System, _factory.CreateLogger<LambdaFunction>());

        await function.HandleAsync(new LambdaInvocation("r-42", TestData.TagEvent, null, null, null), CancellationToken.None);

        var lines = Lines();
        Assert.True(lines.Count >= 3);
        Assert.All(lines, line => Assert.Equal("r-42", line.GetProperty("requestId").GetString()));
        var isolating = Assert.Single(lines, line => line.GetProperty("eventId").GetInt32() == 9000);
        Assert.Equal("Isolating i-0123456789abcdef0 for tag", isolating.GetProperty("message").GetString());
        Assert.Equal("i-0123456789abcdef0", isolating.GetProperty("InstanceId").GetString());
        Assert.Equal("tag", isolating.GetProperty("Reason").GetString());
        Assert.Equal("Information", isolating.GetProperty("level").GetString());
        Assert.Equal(typeof(IIsolationEventProcessor).FullName, isolating.GetProperty("category").GetString());
        Assert.Equal(Now, isolating.GetProperty("timestamp").GetDateTimeOffset());
        Assert.False(isolating.TryGetProperty("{OriginalFormat}", out _));
    }

    [Fact]
    public async Task Log_UncoveredAccountRefused_LineIsAnEmbeddedMetricDocumentCountingIt()
    {
        using var output = new MemoryStream();
        using var factory = LoggerFactory.Create(logging => logging.AddProvider(new JsonLoggerProvider(output, new FakeTimeProvider(Now), "ec2-isolation-fn")));
        var home = new AccountServices(Mock.Of<IIsolationService>(), Mock.Of<IEc2Api>(), Mock.Of<IReplacementService>(), Mock.Of<Ec2Isolation.Core.Scanning.IReplacementScanner>(), Mock.Of<ILoadBalancingApi>(), Mock.Of<IClassicLoadBalancingApi>());
        var router = new AccountRouter(
            new AccountSettings("ec2-isolation-member", new HashSet<string> { "111111111111" }, ExternalId: null),
            "us-east-1",
            new KnownAccount("123456789012"),
            home,
            _ => home,
            factory.CreateLogger<AccountRouter>());

        await Assert.ThrowsAsync<AccountRefusedException>(() => router.ForAsync("333333333333", "us-east-1", CancellationToken.None));

        var line = JsonDocument.Parse(Encoding.UTF8.GetString(output.ToArray()).Trim()).RootElement;
        Assert.Equal((2100, 1, "ec2-isolation-fn"), (line.GetProperty("eventId").GetInt32(), line.GetProperty("UncoveredAccountRefusals").GetInt32(), line.GetProperty("FunctionName").GetString()));
        var metrics = line.GetProperty("_aws");
        Assert.Equal(Now.ToUnixTimeMilliseconds(), metrics.GetProperty("Timestamp").GetInt64());
        var directive = metrics.GetProperty("CloudWatchMetrics").EnumerateArray().Single();
        Assert.Equal("Ec2Isolation", directive.GetProperty("Namespace").GetString());
        Assert.Equal("[[\"FunctionName\"]]", directive.GetProperty("Dimensions").GetRawText().Replace(" ", "", StringComparison.Ordinal));
        var metric = directive.GetProperty("Metrics").EnumerateArray().Single();
        Assert.Equal(("UncoveredAccountRefusals", "Count"), (metric.GetProperty("Name").GetString(), metric.GetProperty("Unit").GetString()));
    }

    [Fact]
    public void Log_NoMetricProperty_NoEmbeddedMetricDocument()
    {
        TestData.LogValues(_factory.CreateLogger("values"), 3, 10L, 0.3, true, ["snap-1"], Now, null);

        Assert.All(Lines(), line => Assert.False(line.TryGetProperty("_aws", out _)));
    }

    [Fact]
    public void Log_TemplateValues_KeepTheirJsonKinds()
    {
        TestData.LogValues(_factory.CreateLogger("values"), 3, 10L, 0.3, true, ["snap-1", "snap-2"], Now, null);

        var line = Assert.Single(Lines());
        Assert.Equal(JsonValueKind.Number, line.GetProperty("Count").ValueKind);
        Assert.Equal(10, line.GetProperty("Total").GetInt64());
        Assert.Equal(0.3, line.GetProperty("Ratio").GetDouble());
        Assert.True(line.GetProperty("Finished").GetBoolean());
        Assert.Equal(["snap-1", "snap-2"], line.GetProperty("SnapshotIds").EnumerateArray().Select(id => id.GetString()));
        Assert.Equal(Now, line.GetProperty("At").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, line.GetProperty("Nothing").ValueKind);
    }

    [Fact]
    public void Log_WithException_WritesItsTypeAndMessageOnly()
    {
        TestData.LogFailure(_factory.CreateLogger("failures"), new InvalidOperationException("The step failed"));

        var line = Assert.Single(Lines());
        Assert.Equal("Error", line.GetProperty("level").GetString());
        var exception = line.GetProperty("exception");
        Assert.Equal(typeof(InvalidOperationException).FullName, exception.GetProperty("type").GetString());
        Assert.Equal("The step failed", exception.GetProperty("message").GetString());
        Assert.Equal(2, exception.EnumerateObject().Count());
    }

    [Fact]
    public void Log_NestedScopes_WritesEveryScopeValueOnce()
    {
        var logger = _factory.CreateLogger("scopes");
        using (logger.BeginScope(new Dictionary<string, string> { ["requestId"] = "r-1", ["EventId"] = "e-1" }))
        using (logger.BeginScope("sweep"))
        using (logger.BeginScope(new Dictionary<string, object> { ["InstanceId"] = "i-scope", ["requestId"] = "ignored" }))
        {
            TestData.LogIsolating(logger, "i-template", "sweep");
        }

        var line = Assert.Single(Lines());
        Assert.Equal("r-1", line.GetProperty("requestId").GetString());
        Assert.Equal("e-1", line.GetProperty("EventId").GetString());
        Assert.Equal("i-template", line.GetProperty("InstanceId").GetString());
        Assert.Equal(["sweep"], line.GetProperty("scope").EnumerateArray().Select(scope => scope.GetString()));
        Assert.Equal(1, CountOf(Encoding.UTF8.GetString(_output.ToArray()), "\"InstanceId\""));
    }

    private IReadOnlyList<JsonElement> Lines() => TestData.JsonLines(Encoding.UTF8.GetString(_output.ToArray()));

    private static int CountOf(string text, string value) => text.Split(value).Length - 1;
}
