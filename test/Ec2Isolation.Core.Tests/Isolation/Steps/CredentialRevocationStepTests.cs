using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Tests.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Isolation.Steps;

/// <summary>
/// Credential revocation through the tool's permissions boundary, against a fake IAM that enforces IAM's quotas
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html) and evaluates the boundary as IAM would.
/// </summary>
public sealed class CredentialRevocationStepTests
{
    internal const string VpcId = "vpc-1";
    internal const string ProfileArn = "arn:aws:iam::123456789012:instance-profile/asg-profile";
    internal const string Role = "app-role";
    internal const string BoundaryArn = "arn:aws:iam::123456789012:policy/ec2-isolation/ec2-isolation-revoke-app-role";

    private readonly FakeCloud _cloud = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly IsolationSettings _settings = new() { TableName = "records", IsolationInstanceProfile = FakeCloud.IsolationProfileArn };

    private IsolationService CreateSut() => FakeAccounts.Service(_cloud, _settings, _time);

    [Fact]
    public async Task IsolateAsync_40Then150InstancesOfOneRole_EveryOneRevokedAndTheRoleWithinIamLimits()
    {
        var fleet = AddFleet(190);

        foreach (var batch in new[] { fleet[..40], fleet[40..] }.SelectMany(part => part.Chunk(20)))
        {
            var results = await Task.WhenAll(batch.Select(id => CreateSut().IsolateAsync(Request(id), CancellationToken.None)));
            Assert.All(results, result => Assert.Equal(IsolationOutcome.Isolated, result.Outcome));
        }

        // Sessions already issued, and sessions issued later (a lagging clock, the profile swap's propagation): all denied.
        Assert.All(fleet, id => Assert.True(_cloud.SessionDenied(Role, Arn(id), _time.GetUtcNow().AddHours(-1))));
        Assert.All(fleet, id => Assert.True(_cloud.SessionDenied(Role, Arn(id), _time.GetUtcNow().AddHours(1)), id));
        Assert.False(_cloud.SessionDenied(Role, Arn("i-0aaaaaaaaaaaaaaaa"), _time.GetUtcNow().AddHours(1)));
        var policy = _cloud.ManagedPolicies[BoundaryArn];
        Assert.True(RevocationBoundary.Size(policy.DefaultDocument) <= FakeCloud.ManagedPolicyQuota);
        Assert.True(policy.Versions.Count <= FakeCloud.VersionsPerPolicyQuota);
        Assert.Empty(_cloud.Role(Role).InlinePolicies);
        Assert.Equal(BoundaryArn, _cloud.Role(Role).Boundary);
        Assert.All(fleet, id => Assert.False(_cloud.StoredRecord(id)!.Artifacts.RoleWideRevocation));
    }

    [Fact]
    public void Capacity_LongestInstanceIds_FitsOneManagedPolicyWithTheRoleWideStatement()
    {
        var ids = Enumerable.Range(0, RevocationBoundary.Capacity).Select(i => $"i-{i:x17}").ToList();

        var (document, named, _) = RevocationBoundary.Render(new RoleRevocation { RoleName = Role, InstanceIds = ids, RoleWideBefore = _time.GetUtcNow() }, "ap-southeast-1", [], _time.GetUtcNow());
        var (overflow, namedOfMore, _) = RevocationBoundary.Render(
            new RoleRevocation { RoleName = Role, InstanceIds = [.. ids, "i-0ffffffffffffffff"], RoleWideBefore = _time.GetUtcNow() }, "ap-southeast-1", [], _time.GetUtcNow());

        Assert.Equal(RevocationBoundary.Capacity, named);
        Assert.True(RevocationBoundary.Size(document) <= RevocationBoundary.MaxPolicyCharacters);
        Assert.Equal(RevocationBoundary.Capacity, namedOfMore);
        Assert.True(RevocationBoundary.Size(overflow) <= RevocationBoundary.MaxPolicyCharacters);
        Assert.Equal(234, RevocationBoundary.Capacity);
    }

    [Fact]
    public async Task IsolateAsync_PastTheBoundaryCapacity_RoleWideRevocationRecordedSaidAndUndoneAtRelease()
    {
        var fleet = AddFleet(RevocationBoundary.Capacity + 1);
        foreach (var batch in fleet[..^1].Chunk(25))
        {
            await Task.WhenAll(batch.Select(id => CreateSut().IsolateAsync(Request(id), CancellationToken.None)));
        }

        _time.Advance(TimeSpan.FromMinutes(5));
        var last = await CreateSut().IsolateAsync(Request(fleet[^1]), CancellationToken.None);

        Assert.True(last.Record.Artifacts.RoleWideRevocation);
        Assert.Contains("role-wide", last.Message, StringComparison.Ordinal);
        Assert.True(_cloud.SessionDenied(Role, Arn(fleet[^1]), _time.GetUtcNow().AddSeconds(-1)));
        // A healthy instance of the role: its sessions issued before now are denied too, until release brings the list back within capacity.
        var healthy = Arn("i-0bbbbbbbbbbbbbbbb");
        Assert.True(_cloud.SessionDenied(Role, healthy, _time.GetUtcNow().AddSeconds(-1)));
        Assert.False(_cloud.SessionDenied(Role, healthy, _time.GetUtcNow().AddSeconds(2)));

        await CreateSut().ReleaseAsync(new ReleaseRequest(fleet[0], "releaser"), CancellationToken.None);

        Assert.False(_cloud.SessionDenied(Role, healthy, _time.GetUtcNow().AddSeconds(-1)));
        Assert.False(_cloud.SessionDenied(Role, Arn(fleet[0]), _time.GetUtcNow()));
        Assert.All(fleet[1..], id => Assert.True(_cloud.SessionDenied(Role, Arn(id), _time.GetUtcNow().AddHours(1))));
        Assert.Null(_cloud.StoredRoleRevocation(Role)!.RoleWideBefore);
    }

    [Fact]
    public async Task IsolateAsync_TwoRunsWriteTheRoleListAtOnce_BothEndRevoked()
    {
        var (first, second) = (AddFleet(2)[0], AddFleet(2)[1]);
        var bothRead = new TaskCompletionSource();
        var waiting = 0;
        _cloud.BeforeRoleRevocationWrite = async _ =>
        {
            // Both runs have read version 0 before either writes: one write must fail its condition and try again.
            if (Interlocked.Increment(ref waiting) == 2)
            {
                bothRead.TrySetResult();
            }

            await bothRead.Task.WaitOrFailAsync();
        };

        await Task.WhenAll(
            CreateSut().IsolateAsync(Request(first), CancellationToken.None),
            CreateSut().IsolateAsync(Request(second), CancellationToken.None));

        Assert.Equal([first, second], _cloud.StoredRoleRevocation(Role)!.InstanceIds.Order());
        Assert.True(_cloud.SessionDenied(Role, Arn(first), _time.GetUtcNow()));
        Assert.True(_cloud.SessionDenied(Role, Arn(second), _time.GetUtcNow()));
    }

    [Fact]
    public async Task IsolateAsync_ARunWritesAnOlderListToIamLast_ItReadsTheNewerListBackAndWritesItToo()
    {
        var fleet = AddFleet(2);
        using var gate = new ManualResetEventSlim();
        var firstWriteHeld = new TaskCompletionSource();
        var creates = 0;
        _cloud.BeforeCall = call =>
        {
            // The first run has written its list ({first}) and is about to write IAM: hold it there.
            if (call == "CreatePolicy" && Interlocked.Increment(ref creates) == 1)
            {
                firstWriteHeld.SetResult();
                gate.WaitOrFail();
            }
        };

        var first = CreateSut().IsolateAsync(Request(fleet[0]), CancellationToken.None);
        await firstWriteHeld.Task.WaitOrFailAsync();
        // Meanwhile the second run writes {first, second} to its list and to IAM, and finishes.
        await CreateSut().IsolateAsync(Request(fleet[1]), CancellationToken.None);
        Assert.True(_cloud.SessionDenied(Role, Arn(fleet[1]), _time.GetUtcNow()));
        gate.Set();
        // The first run's IAM write ({first}) lands last: it must read the list back and write the newer one.
        await first;

        Assert.True(_cloud.SessionDenied(Role, Arn(fleet[0]), _time.GetUtcNow()));
        Assert.True(_cloud.SessionDenied(Role, Arn(fleet[1]), _time.GetUtcNow()));
    }

    [Fact]
    public async Task ReleaseAsync_OneOfTwoInstancesOfTheRole_RemovesExactlyItsOwnDeny()
    {
        var fleet = AddFleet(2);
        await CreateSut().IsolateAsync(Request(fleet[0]), CancellationToken.None);
        await CreateSut().IsolateAsync(Request(fleet[1]), CancellationToken.None);

        await CreateSut().ReleaseAsync(new ReleaseRequest(fleet[0], "releaser"), CancellationToken.None);

        Assert.False(_cloud.SessionDenied(Role, Arn(fleet[0]), _time.GetUtcNow()));
        Assert.True(_cloud.SessionDenied(Role, Arn(fleet[1]), _time.GetUtcNow()));
        Assert.Equal(BoundaryArn, _cloud.Role(Role).Boundary);

        await CreateSut().ReleaseAsync(new ReleaseRequest(fleet[1], "releaser"), CancellationToken.None);

        Assert.Null(_cloud.Role(Role).Boundary);
        Assert.Empty(_cloud.StoredRoleRevocation(Role)!.InstanceIds);
    }

    [Fact]
    public async Task IsolateAsync_RoleWithABoundaryOfItsOwn_StepFailsLoudlyWithTheManualCommandAndTheBoundaryStays()
    {
        var id = AddFleet(1)[0];
        const string Theirs = "arn:aws:iam::123456789012:policy/platform/developer-boundary";
        _cloud.Role(Role).Boundary = Theirs;

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(id), CancellationToken.None));

        Assert.Equal(StepNames.CredentialRevocation, error.FailedStep);
        Assert.Contains("NOT revoked", error.Message, StringComparison.Ordinal);
        Assert.Contains($"aws iam put-role-policy --role-name {Role} --policy-name ec2-isolation-revoke-{id}", error.Message, StringComparison.Ordinal);
        Assert.Equal(Theirs, _cloud.Role(Role).Boundary);
        Assert.Null(_cloud.StoredRoleRevocation(Role));
        Assert.DoesNotContain(_cloud.Mutations, call => call is "CreatePolicy" or "CreatePolicyVersion" or "PutRolePermissionsBoundary");
    }

    [Fact]
    public async Task ReleaseAsync_RecordOfTheInlinePolicyRelease_DeletesThatInlinePolicy()
    {
        var id = AddFleet(1)[0];
        await CreateSut().IsolateAsync(Request(id), CancellationToken.None);
        // Rewrite the record as the release before boundaries left it: an inline policy per instance, no boundary.
        var record = _cloud.StoredRecord(id)!;
        record.Artifacts.RevocationPolicyName = "ec2-isolation-revoke-" + id;
        record.Artifacts.RevocationBoundaryArns = [];
        _cloud.ForgetRecord(id);
        await _cloud.PutAsync(record, null, CancellationToken.None);
        _cloud.Role(Role).Boundary = null;
        _cloud.PutInlinePolicy(Role, "ec2-isolation-revoke-" + id, LegacyInlinePolicy(Arn(id)));

        await CreateSut().ReleaseAsync(new ReleaseRequest(id, "releaser"), CancellationToken.None);

        Assert.Empty(_cloud.Role(Role).InlinePolicies);
        Assert.False(_cloud.SessionDenied(Role, Arn(id), _time.GetUtcNow()));
    }

    [Fact]
    public void PutInlinePolicy_OnePolicyPerInstanceAsBefore_RefusedAtAbout33Instances()
    {
        var refusedAt = Enumerable.Range(0, 100).First(i =>
        {
            try
            {
                _cloud.PutInlinePolicy(Role, $"ec2-isolation-revoke-i-{i:x17}",
                    LegacyInlinePolicy(Arn("i-" + i.ToString("x17", System.Globalization.CultureInfo.InvariantCulture))));
                return false;
            }
            catch (InvalidOperationException e) when (e.Message.StartsWith("LimitExceeded", StringComparison.Ordinal))
            {
                return true;
            }
        });

        Assert.InRange(refusedAt, 30, 36);
    }

    [Fact]
    public async Task IsolateAsync_RecordTableReplacedWhileTheRoleCarriesTheBoundary_KeepsTheInstancesItNamed()
    {
        var fleet = AddFleet(2);
        await CreateSut().IsolateAsync(Request(fleet[0]), CancellationToken.None);
        _cloud.ForgetRoleRevocations();

        await CreateSut().IsolateAsync(Request(fleet[1]), CancellationToken.None);

        Assert.True(_cloud.SessionDenied(Role, Arn(fleet[0]), _time.GetUtcNow()));
        Assert.True(_cloud.SessionDenied(Role, Arn(fleet[1]), _time.GetUtcNow()));
    }

    private string[] AddFleet(int count)
    {
        var ids = Enumerable.Range(0, count).Select(i => $"i-0{i:x16}").ToArray();
        foreach (var id in ids.Where(id => !_cloud.Instances.ContainsKey(id)))
        {
            _cloud.AddInstance(id, VpcId, profileArn: ProfileArn);
        }

        _cloud.ProfileRoles[ProfileArn] = [Role];
        return ids;
    }

    private static IsolationRequest Request(string instanceId) => new(instanceId, "worm", "INC-7", "tester");

    /// <summary>The inline policy per instance that releases before boundaries wrote (about 300 characters).</summary>
    private static string LegacyInlinePolicy(string instanceArn) =>
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Ec2IsolationRevokeIssuedCredentials\",\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\","
        + "\"Condition\":{\"ArnEquals\":{\"ec2:SourceInstanceARN\":\"" + instanceArn + "\"},\"DateLessThan\":{\"aws:TokenIssueTime\":\"2026-11-25T10:00:01Z\"}}}]}";

    private static string Arn(string instanceId) => "arn:aws:ec2:us-east-1:123456789012:instance/" + instanceId;
}
