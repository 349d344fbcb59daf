using System.Net;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Reliability;

/// <summary>
/// DynamoDB unavailable before the first change: every DynamoDB call of an <c>isolate</c> run of the real program is
/// answered with an error. The record cannot be written first, so nothing may change; a missing table is named.
/// </summary>
[Collection(MotoTests.Collection)]
[Trait("Category", MotoTests.Integration)]
public sealed class DynamoDbUnavailableTests(MotoServer moto) : ReliabilityTests(moto)
{
    /// <summary>A server error (retried, then given up), a refusal, and a table that is not there.</summary>
    public static TheoryData<int, string> DynamoDbErrors() => new()
    {
        { 500, "InternalServerError" },
        { 400, "AccessDeniedException" },
        { 400, "ResourceNotFoundException" },
    };

    [Theory]
    [MemberData(nameof(DynamoDbErrors))]
    public async Task Isolate_EveryDynamoDbCallFails_ExitsNonZeroAndNothingChanged(int status, string code)
    {
        var before = await Scenario.Account.SnapshotAsync(Scenario.Instance.Instance);
        Scenario.Proxy.Rule = FaultRules.Always(request => request.Service == "dynamodb", new Fault.Answer((HttpStatusCode)status, code));

        var run = await Scenario.RunCliAsync($"isolate {Scenario.InstanceId}");

        Assert.Equal(1, run.ExitCode);
        Assert.Single(run.Error.Split('\n'), line => line.StartsWith("error: ", StringComparison.Ordinal));
        var seen = Scenario.Proxy.Seen.Select(s => s.Request).ToList();
        Assert.Contains(seen, request => request.Service == "dynamodb");
        Assert.DoesNotContain(seen, request => request.Service != "dynamodb" && request.IsMutation);
        Assert.Equal(before, await Scenario.Account.SnapshotAsync(Scenario.Instance.Instance));
    }

    [Fact]
    public async Task Isolate_TableMissing_TheErrorNamesTheTable()
    {
        Scenario.Proxy.Rule = FaultRules.Always(request => request.Service == "dynamodb", new Fault.Answer(HttpStatusCode.BadRequest, "ResourceNotFoundException"));

        var run = await Scenario.RunCliAsync($"isolate {Scenario.InstanceId}");

        Assert.Contains($"error: DynamoDB table '{MotoAccount.TableName}' was not found", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Isolate_DynamoDbServerErrors_TheErrorSaysDynamoDbTheTableAndThatNothingChanged()
    {
        Scenario.Proxy.Rule = FaultRules.Always(request => request.Service == "dynamodb", new Fault.Answer(HttpStatusCode.InternalServerError, "InternalServerError"));

        var run = await Scenario.RunCliAsync($"isolate {Scenario.InstanceId}");

        var error = Assert.Single(run.Error.Split('\n'), line => line.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Contains($"DynamoDB table '{MotoAccount.TableName}'", error, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed.", error, StringComparison.Ordinal);
    }
}
