using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Tests.Fakes;

/// <summary>
/// IAM as the engine meets it, with the quotas it enforces (IAM and AWS STS quotas,
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html): inline policies of one role total at
/// most 10,240 characters and a managed policy at most 6,144, whitespace not counted; 5 versions per managed policy;
/// 10 managed policies attached per role (a permissions boundary is not an attached policy and does not count).
/// A boundary only restricts: <see cref="SessionDenied"/> evaluates what the engine writes, as IAM would.
/// </summary>
internal sealed partial class FakeCloud : IRoleRevocationStore
{
    public const int InlinePolicyQuota = 10240;
    public const int ManagedPolicyQuota = 6144;
    public const int VersionsPerPolicyQuota = 5;

    private readonly Dictionary<string, FakeRole> _roles = [];
    private readonly Dictionary<string, string> _roleRevocations = [];
    private int _policyVersions;

    public Dictionary<string, FakePolicy> ManagedPolicies { get; } = [];

    /// <summary>Called by every revocation list write before it is made (tests hold writes back to interleave runs).</summary>
    public Func<RoleRevocation, Task>? BeforeRoleRevocationWrite { get; set; }

    public FakeRole Role(string roleName)
    {
        lock (_lock)
        {
            if (!_roles.TryGetValue(roleName, out var role))
            {
                role = new FakeRole { Name = roleName };
                _roles[roleName] = role;
            }

            return role;
        }
    }

    /// <summary>An inline policy, as an earlier release wrote one per isolated instance; refused past the role's quota.</summary>
    public void PutInlinePolicy(string roleName, string policyName, string document)
    {
        var role = Role(roleName);
        lock (_lock)
        {
            var total = role.InlinePolicies.Where(p => p.Key != policyName).Sum(p => NonWhitespace(p.Value)) + NonWhitespace(document);
            if (total > InlinePolicyQuota)
            {
                throw new InvalidOperationException($"LimitExceeded: Maximum policy size of {InlinePolicyQuota} bytes exceeded for role {roleName}");
            }

            role.InlinePolicies[policyName] = document;
        }
    }

    /// <summary>
    /// True when IAM would deny every action to a session of <paramref name="roleName"/> that <paramref name="instanceArn"/>
    /// obtained at <paramref name="issuedAt"/>: a deny of the role's boundary or of one of its inline policies matches.
    /// </summary>
    public bool SessionDenied(string roleName, string instanceArn, DateTimeOffset issuedAt)
    {
        var role = Role(roleName);
        lock (_lock)
        {
            IEnumerable<string> documents = role.InlinePolicies.Values;
            if (role.Boundary is { } boundary)
            {
                documents = documents.Append(ManagedPolicies[boundary].DefaultDocument);
            }

            return documents.Any(document => Denies(document, instanceArn, issuedAt));
        }
    }

    // ---- IIamApi

    public Task<IReadOnlyList<string>> GetInstanceProfileRolesAsync(string instanceProfile, CancellationToken cancellationToken) =>
        Call("GetInstanceProfile", () => (IReadOnlyList<string>)ProfileRoles[ToArn(instanceProfile)]);

    public Task<string?> GetRolePermissionsBoundaryAsync(string roleName, CancellationToken cancellationToken) =>
        Call("GetRole", () => Role(roleName).Boundary);

    public Task<bool> CreatePolicyAsync(string path, string policyName, string policyDocument, CancellationToken cancellationToken) =>
        Call("CreatePolicy", () =>
        {
            RequireManagedSize(policyDocument);
            var arn = $"arn:aws:iam::{AccountId}:policy{path}{policyName}";
            lock (_lock)
            {
                if (ManagedPolicies.ContainsKey(arn))
                {
                    return false;
                }

                ManagedPolicies[arn] = new FakePolicy { Versions = [new FakePolicyVersion(NextVersion(), policyDocument)] };
                return true;
            }
        });

    public Task<string> GetDefaultPolicyDocumentAsync(string policyArn, CancellationToken cancellationToken) =>
        Call("GetPolicyVersion", () =>
        {
            lock (_lock)
            {
                return Policy(policyArn).DefaultDocument;
            }
        });

    public Task<IReadOnlyList<PolicyVersion>> ListPolicyVersionsAsync(string policyArn, CancellationToken cancellationToken) =>
        Call("ListPolicyVersions", () =>
        {
            lock (_lock)
            {
                var policy = Policy(policyArn);
                return (IReadOnlyList<PolicyVersion>)[.. policy.Versions.Select(v => new PolicyVersion(v.Id, v == policy.Default, DateTimeOffset.UnixEpoch.AddSeconds(v.Sequence)))];
            }
        });

    public Task CreatePolicyVersionAsync(string policyArn, string policyDocument, CancellationToken cancellationToken) =>
        Call("CreatePolicyVersion", () =>
        {
            RequireManagedSize(policyDocument);
            lock (_lock)
            {
                var policy = Policy(policyArn);
                if (policy.Versions.Count >= VersionsPerPolicyQuota)
                {
                    throw new PolicyVersionsFullException($"LimitExceeded: Cannot exceed quota for PolicyVersionsPerPolicy: {VersionsPerPolicyQuota}");
                }

                policy.Versions.Add(new FakePolicyVersion(NextVersion(), policyDocument));
                policy.Default = policy.Versions[^1];
            }

            return true;
        });

    public Task DeletePolicyVersionAsync(string policyArn, string versionId, CancellationToken cancellationToken) =>
        Call("DeletePolicyVersion", () =>
        {
            lock (_lock)
            {
                var policy = Policy(policyArn);
                if (policy.Default.Id == versionId)
                {
                    throw new InvalidOperationException("DeleteConflict: Cannot delete the default version of a policy.");
                }

                return policy.Versions.RemoveAll(v => v.Id == versionId);
            }
        });

    public Task PutRolePermissionsBoundaryAsync(string roleName, string policyArn, CancellationToken cancellationToken) =>
        Call("PutRolePermissionsBoundary", () =>
        {
            lock (_lock)
            {
                _ = Policy(policyArn);
                return Role(roleName).Boundary = policyArn;
            }
        });

    public Task DeleteRolePermissionsBoundaryAsync(string roleName, CancellationToken cancellationToken) =>
        Call("DeleteRolePermissionsBoundary", () =>
        {
            lock (_lock)
            {
                Role(roleName).Boundary = null;
            }

            return true;
        });

    public Task DeleteRolePolicyAsync(string roleName, string policyName, CancellationToken cancellationToken) =>
        Call("DeleteRolePolicy", () =>
        {
            lock (_lock)
            {
                return Role(roleName).InlinePolicies.Remove(policyName);
            }
        });

    // ---- IRoleRevocationStore

    Task<RoleRevocation?> IRoleRevocationStore.GetAsync(string roleName, CancellationToken cancellationToken) =>
        Call("GetItem:role", () => StoredRoleRevocation(roleName));

    public RoleRevocation? StoredRoleRevocation(string roleName)
    {
        lock (_lock)
        {
            return _roleRevocations.TryGetValue(roleName, out var json) ? JsonSerializer.Deserialize<RoleRevocation>(json) : null;
        }
    }

    public async Task PutAsync(RoleRevocation revocation, long? expectedVersion, CancellationToken cancellationToken)
    {
        if (BeforeRoleRevocationWrite is { } hold)
        {
            await hold(revocation);
        }

        await Call("PutItem:role", () =>
        {
            lock (_lock)
            {
                var stored = StoredRoleRevocation(revocation.RoleName);
                if (expectedVersion is null ? stored is not null : stored?.Version != expectedVersion)
                {
                    throw new RecordConflictException($"version {stored?.Version} is not {expectedVersion}");
                }

                _roleRevocations[revocation.RoleName] = JsonSerializer.Serialize(revocation);
            }

            return true;
        });
    }

    public void ForgetRoleRevocations()
    {
        lock (_lock)
        {
            _roleRevocations.Clear();
        }
    }

    // ---- helpers

    private FakePolicy Policy(string policyArn) =>
        ManagedPolicies.TryGetValue(policyArn, out var policy) ? policy : throw new InvalidOperationException($"NoSuchEntity: Policy {policyArn} does not exist.");

    private (string Id, int Sequence) NextVersion()
    {
        var sequence = Interlocked.Increment(ref _policyVersions);
        return ("v" + sequence, sequence);
    }

    private static void RequireManagedSize(string document)
    {
        if (NonWhitespace(document) > ManagedPolicyQuota)
        {
            throw new InvalidOperationException($"LimitExceeded: Cannot exceed quota for PolicySize: {ManagedPolicyQuota}");
        }
    }

    private static int NonWhitespace(string document) => document.Count(c => !char.IsWhiteSpace(c));

    /// <summary>A deny statement of <paramref name="document"/> matches the session: every condition operator's key matches one of its values.</summary>
    private static bool Denies(string document, string instanceArn, DateTimeOffset issuedAt)
    {
        var statements = JsonNode.Parse(document)!["Statement"]!.AsArray();
        return statements.Any(statement => (string?)statement!["Effect"] == "Deny"
            && (statement["Condition"]?.AsObject() ?? []).All(op => op.Value!.AsObject().All(key => Matches(op.Key, key.Key, key.Value!, instanceArn, issuedAt))));
    }

    private static bool Matches(string op, string key, JsonNode values, string instanceArn, DateTimeOffset issuedAt)
    {
        var candidates = values is JsonArray array ? array.Select(v => (string)v!).ToList() : [(string)values!];
        return (op, key) switch
        {
            ("StringLike", "ec2:SourceInstanceARN") => candidates.Any(pattern => Regex.IsMatch(instanceArn, "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal) + "$")),
            ("ArnEquals", "ec2:SourceInstanceARN") => candidates.Contains(instanceArn),
            ("Null", "ec2:SourceInstanceARN") => candidates.Contains("false"),
            ("DateLessThan", "aws:TokenIssueTime") => candidates.Any(time => issuedAt < DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture)),
            _ => throw new NotSupportedException($"The fake IAM does not evaluate {op} on {key}."),
        };
    }
}

internal sealed class FakeRole
{
    public required string Name { get; init; }
    public string? Boundary { get; set; }
    public Dictionary<string, string> InlinePolicies { get; } = [];
}

internal sealed record FakePolicyVersion((string Id, int Sequence) Version, string Document)
{
    public string Id => Version.Id;
    public int Sequence => Version.Sequence;
}

internal sealed class FakePolicy
{
    public required List<FakePolicyVersion> Versions { get; init; }
    private FakePolicyVersion? _default;

    public FakePolicyVersion Default
    {
        get => _default ?? Versions[0];
        set => _default = value;
    }

    public string DefaultDocument => Default.Document;
}
