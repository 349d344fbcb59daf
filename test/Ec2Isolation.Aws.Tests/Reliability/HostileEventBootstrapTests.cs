using System.Text.Json;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Reliability;

/// <summary>
/// The whole hostile corpus (TestSupport/Events/hostile/) through the real Native AOT bootstrap against moto, naming
/// real instances: one not isolated, one isolated (the events that try to release it). Each event gets an error
/// response or an "ignored" result, and moto receives no request that changes anything.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
[Trait("Category", "Aot")]
public sealed class HostileEventBootstrapTests(MotoServer moto)
{
    [Fact]
    public async Task Bootstrap_WholeHostileCorpus_ErrorOrIgnoredAndNoMutatingRequest()
    {
        using var account = await MotoAccount.CreateAsync(moto);
        await using var runtime = LambdaRuntimeStandIn.Start();
        var app = await account.Network.CreateGroupAsync("app");
        var instance = await account.Network.RunInstanceAsync([app]);
        var isolated = await account.Network.RunInstanceAsync([app], [app]);
        await account.AssociateAppProfileAsync(isolated.InstanceId);
        await account.CreateService().IsolateAsync(new IsolationRequest(isolated.InstanceId, RequestedBy: "tester"), CancellationToken.None);
        await using var function = await BootstrapProcess.StartAsync(runtime, MotoEnvironment.For(moto.EndpointUrl));
        await moto.StartRecordingAsync();

        var requests = HostileEvents.Names.ToDictionary(name => name, name => runtime.Enqueue(HostileEvents.Load(name, instance.InstanceId, isolated.InstanceId)));
        var outcomes = new Dictionary<string, LambdaOutcome>();
        foreach (var (name, requestId) in requests)
        {
            outcomes[name] = await runtime.WaitForOutcomeAsync(requestId, TimeSpan.FromMinutes(1));
        }

        var recorded = RequestLog.Parse(await moto.StopRecordingAsync());
        Assert.All(outcomes, pair =>
        {
            var (name, outcome) = pair;
            var expected = HostileEvents.Expected(name);
            using var body = JsonDocument.Parse(outcome.Body);
            if (expected.Outcome == HostileExpectation.Error)
            {
                Assert.True(outcome.IsError, $"{name}: {outcome.Body}");
                Assert.Equal("InvalidEventException", outcome.ErrorTypeHeader);
                Assert.Contains(expected.Message!, body.RootElement.GetProperty("errorMessage").GetString(), StringComparison.Ordinal);
            }
            else
            {
                Assert.False(outcome.IsError, $"{name}: {outcome.Body}");
                Assert.Equal("ignored", body.RootElement.GetProperty("action").GetString());
            }
        });
        Assert.DoesNotContain(recorded, request => request.IsMutation);
        var service = account.CreateService();
        Assert.Null(await service.GetStatusAsync(instance.InstanceId, CancellationToken.None));
        Assert.Equal(IsolationStatus.Isolated, (await service.GetStatusAsync(isolated.InstanceId, CancellationToken.None))!.Status);
    }
}
