using System.Text.Json;
using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Tests.Fakes;
using Ec2Isolation.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Events;

/// <summary>
/// The continuation queue's messages as Lambda's SQS event source delivers them (one record per event:
/// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html), through the processor over a fake cloud whose EC2
/// throttles the evidence steps.
/// </summary>
public sealed class ContinuationEventTests
{
    private const string InstanceId = "i-0123456789abcdef0";

    private readonly FakeCloud _cloud = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 22, 0, 0, TimeSpan.Zero));
    private readonly InvocationDeadline _deadline = new();
    private readonly IsolationSettings _settings = new() { TableName = "records", IsolationInstanceProfile = FakeCloud.IsolationProfileArn };

    public ContinuationEventTests()
    {
        _cloud.AddInstance(InstanceId, "vpc-1").Tags["ec2-isolation"] = "isolate";
        _cloud.Time = _time;
        _cloud.ThrottledActions.Add("ModifyInstanceAttribute");
    }

    private IsolationEventProcessor CreateSut()
    {
        var service = new IsolationService(
            new AwsApis(_cloud, _cloud, _cloud, _cloud, _cloud, _cloud, _cloud), _cloud, _cloud, _settings, FakeAccounts.Region, _time,
            NullLogger<IsolationService>.Instance, deadline: _deadline, continuations: _cloud);
        return new(FakeAccounts.Router(FakeAccounts.Services(service, _cloud)), _settings, NullLogger<IsolationEventProcessor>.Instance);
    }

    private static string SqsEvent(string body) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["Records"] = new[] { new Dictionary<string, string> { ["messageId"] = "m-1", ["eventSource"] = "aws:sqs", ["body"] = body } },
    });

    private static string WithoutGeneration(Continuation continuation)
    {
        var body = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(continuation.ToMessageBody())!;
        body.Remove("generation");
        return JsonSerializer.Serialize(body);
    }

    [Fact]
    public async Task HandleAsync_ContinuationStillThrottledNearItsDeadline_QueuesTheNextGeneration()
    {
        await CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.TagChange), CancellationToken.None);
        var first = Assert.Single(_cloud.Continuations);
        _deadline.Current = _time.GetUtcNow() + IsolationService.ContinuationReserve;

        var result = await CreateSut().HandleAsync(SqsEvent((first with { Generation = 2 }).ToMessageBody()), CancellationToken.None);

        Assert.Equal(("continuation", Outcomes.Contained), (result.EventKind, result.Action));
        Assert.Equal([0, 3], _cloud.Continuations.Select(c => c.Generation));
        Assert.Equal(IsolationStatus.Isolating, _cloud.StoredRecord(InstanceId)!.Status);
    }

    [Fact]
    public async Task HandleAsync_MessageQueuedBeforeGenerationsExisted_ReadAsTheFirstAndFinished()
    {
        await CreateSut().HandleAsync(SampleEvents.Load(SampleEvents.TagChange), CancellationToken.None);
        _cloud.ThrottledActions.Clear();

        var result = await CreateSut().HandleAsync(SqsEvent(WithoutGeneration(Assert.Single(_cloud.Continuations))), CancellationToken.None);

        Assert.Equal(Outcomes.Isolated, result.Action);
        Assert.Equal(IsolationStatus.Isolated, _cloud.StoredRecord(InstanceId)!.Status);
    }
}
