using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Ports;
using Ec2Isolation.Core.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Isolation.Steps;

/// <summary>
/// One role, two regional deployments: each region's engine has its own EC2 and record table (its own role revocation
/// list) and both share one IAM, as a global role's boundary is shared by every region.
/// </summary>
public sealed class CredentialRevocationRegionsTests
{
    private const string VpcId = CredentialRevocationStepTests.VpcId;
    private const string ProfileArn = CredentialRevocationStepTests.ProfileArn;
    private const string Role = CredentialRevocationStepTests.Role;
    private const string BoundaryArn = CredentialRevocationStepTests.BoundaryArn;
    private const string Us = "us-east-1";
    private const string Eu = "eu-west-1";

    /// <summary>IAM, and us-east-1's EC2 and record table.</summary>
    private readonly FakeCloud _cloud = new();

    /// <summary>eu-west-1's EC2 and record table (its IAM calls go to <see cref="_cloud"/>).</summary>
    private readonly FakeCloud _eu = new();

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly IsolationSettings _settings = new() { TableName = "records", IsolationInstanceProfile = FakeCloud.IsolationProfileArn };
    private readonly AsyncLocal<string> _runRegion = new();

    public CredentialRevocationRegionsTests() => _cloud.ProfileRoles[ProfileArn] = [Role];

    [Fact]
    public async Task IsolateAsync_SameRoleInUsEast1ThenEuWest1_BothRevokedAndEachReleaseRemovesOnlyItsOwn()
    {
        var us = AddInstances(_cloud, "a", 1)[0];
        var eu = AddInstances(_eu, "b", 1)[0];

        await Service(Us).IsolateAsync(Request(us), CancellationToken.None);
        await Service(Eu).IsolateAsync(Request(eu), CancellationToken.None);

        Assert.True(_cloud.SessionDenied(Role, Arn(Us, us), _time.GetUtcNow()));
        Assert.True(_cloud.SessionDenied(Role, Arn(Eu, eu), _time.GetUtcNow()));
        var document = _cloud.ManagedPolicies[BoundaryArn].DefaultDocument;
        Assert.Contains("\"Sid\":\"DenyIsolatedInstancesUsEast1\"", document, StringComparison.Ordinal);
        Assert.Contains("\"Sid\":\"DenyIsolatedInstancesEuWest1\"", document, StringComparison.Ordinal);

        await Service(Us).ReleaseAsync(new ReleaseRequest(us, "releaser"), CancellationToken.None);

        Assert.False(_cloud.SessionDenied(Role, Arn(Us, us), _time.GetUtcNow()));
        Assert.True(_cloud.SessionDenied(Role, Arn(Eu, eu), _time.GetUtcNow()));
        Assert.Equal(BoundaryArn, _cloud.Role(Role).Boundary);
        Assert.DoesNotContain("UsEast1", _cloud.ManagedPolicies[BoundaryArn].DefaultDocument, StringComparison.Ordinal);

        await Service(Eu).ReleaseAsync(new ReleaseRequest(eu, "releaser"), CancellationToken.None);

        Assert.False(_cloud.SessionDenied(Role, Arn(Eu, eu), _time.GetUtcNow()));
        Assert.Null(_cloud.Role(Role).Boundary);
    }

    [Fact]
    public async Task IsolateAsync_EuWest1WritesFromADocumentOlderThanUsEast1s_UsEast1ReadsBackAndRestoresItsStatement()
    {
        var us = AddInstances(_cloud, "a", 1)[0];
        var eu = AddInstances(_eu, "b", 1)[0];
        using var euReadTheRole = new ManualResetEventSlim();
        using var usReadsBack = new ManualResetEventSlim();
        using var euWrote = new ManualResetEventSlim();
        _cloud.BeforeCall = call =>
        {
            switch (_runRegion.Value, call)
            {
                // us-east-1 attaches only once eu-west-1 has found the role without a boundary (so it renders without us-east-1's statement) ...
                case (Us, "PutRolePermissionsBoundary"):
                    euReadTheRole.WaitOrFail();
                    break;
                case (Eu, "CreatePolicy"):
                    euReadTheRole.Set();
                    usReadsBack.WaitOrFail();
                    break;
                // ... and reads its write back only after eu-west-1's write, which dropped it, has landed.
                case (Us, "GetPolicyVersion"):
                    usReadsBack.Set();
                    euWrote.WaitOrFail();
                    break;
                case (Eu, "PutRolePermissionsBoundary"):
                    euWrote.Set();
                    break;
            }
        };

        await Task.WhenAll(Isolate(Us, us), Isolate(Eu, eu));

        Assert.True(_cloud.SessionDenied(Role, Arn(Us, us), _time.GetUtcNow()));
        Assert.True(_cloud.SessionDenied(Role, Arn(Eu, eu), _time.GetUtcNow()));
        Assert.Equal(BoundaryArn, _cloud.Role(Role).Boundary);
    }

    [Fact]
    public async Task IsolateAsync_ManyInstancesOfTheRoleAtOnceInEachRegionInTurn_AllRevoked()
    {
        var us = AddInstances(_cloud, "a", 12);
        var eu = AddInstances(_eu, "b", 12);

        // Runs of one region race through its record table's versioned list; the regions take turns, since IAM offers no
        // conditional write to close the narrow cross-region race (README, "The credential revocation: trust and capacity").
        foreach (var (usBatch, euBatch) in us.Chunk(6).Zip(eu.Chunk(6)))
        {
            await Task.WhenAll(usBatch.Select(id => Isolate(Us, id)));
            await Task.WhenAll(euBatch.Select(id => Isolate(Eu, id)));
        }

        Assert.All(us, id => Assert.True(_cloud.SessionDenied(Role, Arn(Us, id), _time.GetUtcNow()), id));
        Assert.All(eu, id => Assert.True(_cloud.SessionDenied(Role, Arn(Eu, id), _time.GetUtcNow()), id));
        Assert.False(_cloud.SessionDenied(Role, Arn(Eu, "i-0cccccccccccccccc"), _time.GetUtcNow().AddHours(-1)));
    }

    [Fact]
    public async Task IsolateAsync_UsEast1FillsMostOfTheBoundary_EuWest1GoesRoleWideForItsOwnInstancesOnly()
    {
        var us = AddInstances(_cloud, "a", RevocationBoundary.Capacity - 10);
        foreach (var batch in us.Chunk(25))
        {
            await Task.WhenAll(batch.Select(id => Isolate(Us, id)));
        }

        var eu = AddInstances(_eu, "b", 12);
        var results = new List<IsolationResult>();
        foreach (var id in eu)
        {
            results.Add(await Service(Eu).IsolateAsync(Request(id), CancellationToken.None));
        }

        Assert.Contains(results, result => result.Record.Artifacts.RoleWideRevocation);
        Assert.False(results[0].Record.Artifacts.RoleWideRevocation);
        Assert.Contains("role-wide", results[^1].Message, StringComparison.Ordinal);
        Assert.True(RevocationBoundary.Size(_cloud.ManagedPolicies[BoundaryArn].DefaultDocument) <= FakeCloud.ManagedPolicyQuota);
        Assert.All(us, id => Assert.True(_cloud.SessionDenied(Role, Arn(Us, id), _time.GetUtcNow().AddHours(1)), id));
        Assert.All(eu, id => Assert.True(_cloud.SessionDenied(Role, Arn(Eu, id), _time.GetUtcNow().AddSeconds(-1)), id));
        // The role-wide deny is eu-west-1's: a healthy instance there loses its older sessions, one in us-east-1 does not.
        Assert.True(_cloud.SessionDenied(Role, Arn(Eu, "i-0cccccccccccccccc"), _time.GetUtcNow().AddSeconds(-1)));
        Assert.False(_cloud.SessionDenied(Role, Arn(Us, "i-0cccccccccccccccc"), _time.GetUtcNow().AddSeconds(-1)));
    }

    [Fact]
    public async Task IsolateAsync_BoundaryOfTheSingleRegionRelease_ItsStatementIsTakenAsTheWritingRegionsAndReplaced()
    {
        var us = AddInstances(_cloud, "a", 2);
        await Service(Us).IsolateAsync(Request(us[0]), CancellationToken.None);
        // The document as the first boundary release wrote it: one statement, no region in its Sid.
        var policy = _cloud.ManagedPolicies[BoundaryArn];
        policy.Versions.Add(new FakePolicyVersion(("v-legacy", 1000),
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowWhatTheRolePoliciesGrant\",\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"},"
            + "{\"Sid\":\"DenyIsolatedInstances\",\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringLike\":{\"ec2:SourceInstanceARN\":[\"*/" + us[0] + "\"]}}}]}"));
        policy.Default = policy.Versions[^1];

        await Service(Us).IsolateAsync(Request(us[1]), CancellationToken.None);

        var document = _cloud.ManagedPolicies[BoundaryArn].DefaultDocument;
        Assert.DoesNotContain("\"Sid\":\"DenyIsolatedInstances\"", document, StringComparison.Ordinal);
        Assert.All(us, id => Assert.True(_cloud.SessionDenied(Role, Arn(Us, id), _time.GetUtcNow()), id));
    }

    private Task<IsolationResult> Isolate(string region, string instanceId)
    {
        _runRegion.Value = region;
        return Task.Run(() => Service(region).IsolateAsync(Request(instanceId), CancellationToken.None));
    }

    private IsolationService Service(string region)
    {
        var ec2 = region == Us ? _cloud : _eu;
        return new(new AwsApis(ec2, _cloud, ec2, ec2, ec2, ec2, ec2), ec2, ec2, _settings, region, _time, NullLogger<IsolationService>.Instance);
    }

    private static string[] AddInstances(FakeCloud ec2, string tag, int count)
    {
        var ids = Enumerable.Range(0, count).Select(i => $"i-0{tag}{i:x15}").ToArray();
        foreach (var id in ids)
        {
            ec2.AddInstance(id, VpcId, profileArn: ProfileArn);
        }

        return ids;
    }

    private static IsolationRequest Request(string instanceId) => new(instanceId, "worm", "INC-7", "tester");

    private static string Arn(string region, string instanceId) => $"arn:aws:ec2:{region}:123456789012:instance/{instanceId}";
}
