using System.Text.Json;
using Ec2Isolation.Aws.DynamoDb;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.TestSupport;
using Moq;

namespace Ec2Isolation.Cli.Tests;

/// <summary>--account (acting in a member account) and records migrate, over mock services.</summary>
public sealed class AccountOptionTests
{
    private const string Member = "111111111111";

    private readonly CliHarness _cli = new();

    [Theory]
    [InlineData("isolate")]
    [InlineData("release")]
    [InlineData("replace")]
    [InlineData("status")]
    public async Task Command_Account_ServicesBuiltForThatAccount(string command)
    {
        _cli.Service.Setup(s => s.GetStatusAsync(TestData.InstanceId, It.IsAny<CancellationToken>())).ReturnsAsync(TestData.Record());

        // The plan (--dry-run) is enough: what matters is which account the services are built for.
        _cli.Service.Setup(s => s.PlanIsolationAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(TestData.Plan());
        _cli.Service.Setup(s => s.PlanReleaseAsync(It.IsAny<ReleaseRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(TestData.Plan("release"));
        _cli.Replacement.Setup(s => s.PlanReplacementAsync(It.IsAny<Core.Replacement.ReplacementRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(TestData.Plan("replace"));
        var run = await _cli.RunAsync($"{command} {TestData.InstanceId} --account {Member}" + (command == "status" ? "" : " --dry-run"));

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal(Member, _cli.Context!.AccountId);
    }

    [Fact]
    public async Task Isolate_NoAccount_CallersOwnAccount()
    {
        _cli.Service.Setup(s => s.IsolateAsync(It.IsAny<IsolationRequest>(), It.IsAny<CancellationToken>())).ReturnsAsync(TestData.Isolated());

        await _cli.RunAsync($"isolate {TestData.InstanceId}");

        Assert.Null(_cli.Context!.AccountId);
    }

    [Theory]
    [InlineData("12345")]
    [InlineData("arn:aws:iam::111111111111:root")]
    public async Task Isolate_AccountNotAnAccountId_ExitCode2NothingBuilt(string account)
    {
        var run = await _cli.RunAsync($"isolate {TestData.InstanceId} --account {account}");

        Assert.Equal(ExitCodes.InvalidRequest, run.ExitCode);
        Assert.Contains("is not an AWS account id (12 digits)", run.Error, StringComparison.Ordinal);
        Assert.Null(_cli.Context);
    }

    [Fact]
    public async Task Status_AccountWithoutInstance_ListsThatAccountsRecordsOnly()
    {
        _cli.Service.Setup(s => s.ListAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync([TestData.Record(), SampleRecords.Record(TestData.OtherInstanceId, accountId: Member)]);

        var run = await _cli.RunAsync($"status --account {Member}");

        var row = Assert.Single(run.Output.TrimEnd().Split('\n').Skip(1));
        Assert.StartsWith($"{Member}  ", row, StringComparison.Ordinal);
        Assert.Contains(TestData.OtherInstanceId, row, StringComparison.Ordinal);
    }

    [Fact]
    public void For_AccountRefused_InvalidRequestExitCode() =>
        Assert.Equal(ExitCodes.InvalidRequest, ExitCodes.For(new AccountRefusedException("Refused to act in account 222222222222")));

    [Fact]
    public async Task RecordsMigrate_From_CopiesAndReportsTheCounts()
    {
        _cli.Migration.Setup(m => m.CopyAsync("old-records", It.IsAny<CancellationToken>()))
            .ReturnsAsync(new MigrationResult("old-records", "isolations", 3, 1, []));

        var text = await _cli.RunAsync("records migrate --from old-records");
        var json = await _cli.RunAsync("records migrate --from old-records -o json");

        Assert.Equal(ExitCodes.Success, text.ExitCode);
        Assert.Equal("Copied 3 record(s) from old-records to isolations; 1 were there already and were left as they are.", text.Output.TrimEnd());
        var root = JsonDocument.Parse(json.Output).RootElement;
        Assert.Equal((3, 1, 0), (root.GetProperty("copied").GetInt32(), root.GetProperty("alreadyPresent").GetInt32(), root.GetProperty("skipped").GetInt32()));
    }

    [Fact]
    public async Task RecordsMigrate_RecordsSkipped_ListsThemWhatToDoAndExitCode1()
    {
        _cli.Migration.Setup(m => m.CopyAsync("old-records", It.IsAny<CancellationToken>()))
            .ReturnsAsync(new MigrationResult("old-records", "isolations", 3, 0, [TestData.InstanceId, TestData.OtherInstanceId]));

        var text = await _cli.RunAsync("records migrate --from old-records");
        var json = await _cli.RunAsync("records migrate --from old-records -o json");

        Assert.Equal((ExitCodes.Failure, ExitCodes.Failure), (text.ExitCode, json.ExitCode));
        var skipped = text.Output.TrimEnd().Split('\n')[^1];
        Assert.StartsWith($"Skipped 2 record(s) the previous version left halfway, before it recorded the instance's target registrations: {TestData.InstanceId}, {TestData.OtherInstanceId}.", skipped, StringComparison.Ordinal);
        Assert.EndsWith("release it with the previous version on the old table (EC2ISOLATION_TABLE=old-records), then run the migration again.", skipped, StringComparison.Ordinal);
        var root = JsonDocument.Parse(json.Output).RootElement;
        Assert.Equal(2, root.GetProperty("skipped").GetInt32());
        Assert.Equal([TestData.InstanceId, TestData.OtherInstanceId], root.GetProperty("skippedInstanceIds").EnumerateArray().Select(id => id.GetString()));
    }

    [Fact]
    public async Task RecordsMigrate_NoFrom_ExitCode2()
    {
        var run = await _cli.RunAsync("records migrate");

        Assert.Equal(ExitCodes.InvalidRequest, run.ExitCode);
        Assert.Contains("--from", run.Error, StringComparison.Ordinal);
    }
}
