using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Adds an instance to, or removes it from, one role's revocation boundary without losing another run's change: the
/// list lives in a versioned item (<see cref="IRoleRevocationStore"/>), changed by conditional writes; the policy is
/// rendered from the list. IAM writes are not ordered by the item's version, so after each IAM write the item is read
/// again and, if another run changed it meanwhile, the newer list is rendered and written too: the last IAM write of
/// any run is always followed by a read that finds nothing newer than what it wrote.
/// </summary>
internal sealed class RoleBoundaryWriter(AwsApis apis, string roleName, string policyArn, TimeProvider time)
{
    /// <summary>Attempts at one conditional write, or at one convergence, before giving up (each is a contended round).</summary>
    private const int MaxRounds = 100;

    private readonly IIamApi _iam = apis.Iam;
    private readonly IRoleRevocationStore _store = apis.RoleRevocations;

    /// <summary>The ARN of the role's boundary as read first (null: none).</summary>
    private string? _attached;

    /// <summary>
    /// Reads the role's boundary. A boundary that is not the tool's own is never replaced: the step fails, with the
    /// command that adds the same deny as an inline policy, for a person with the rights to do it.
    /// </summary>
    public async Task RequireOwnOrNoBoundaryAsync(string instanceArn, CancellationToken cancellationToken)
    {
        _attached = await _iam.GetRolePermissionsBoundaryAsync(roleName, cancellationToken);
        if (_attached is { } other && other != policyArn)
        {
            throw new InvalidOperationException(
                $"Role {roleName} has a permissions boundary of its own ({other}): replacing it could widen what the role may do, so its "
                + $"credentials on {instanceArn} are NOT revoked. Revoke them by hand (your own IAM rights), and delete the policy at release: "
                + $"aws iam put-role-policy --role-name {roleName} --policy-name ec2-isolation-revoke-{instanceArn[(instanceArn.LastIndexOf('/') + 1)..]} "
                + $"--policy-document '{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\","
                + $"\"Condition\":{{\"ArnEquals\":{{\"ec2:SourceInstanceARN\":\"{instanceArn}\"}}}}}}]}}'");
        }
    }

    /// <summary>Adds the instance to the role's list and writes the boundary; true when the deny had to become role-wide for it.</summary>
    public async Task<bool> RevokeAsync(string instanceId, CancellationToken cancellationToken)
    {
        var revocation = await ChangeAsync(
            revocation =>
            {
                if (!revocation.InstanceIds.Contains(instanceId))
                {
                    revocation.InstanceIds.Add(instanceId);
                    if (revocation.InstanceIds.Count > RevocationBoundary.Capacity)
                    {
                        revocation.RoleWideBefore = RevocationBoundary.NextWholeSecond(time.GetUtcNow());
                    }
                }
            },
            cancellationToken);
        var named = await ConvergeAsync(revocation, cancellationToken);
        return !named.Contains(instanceId);
    }

    /// <summary>
    /// Removes the instance from the role's list and writes the boundary, or removes it when the list is empty. A role
    /// whose boundary is no longer the tool's is left as it is: its list only is updated.
    /// </summary>
    public async Task ReleaseAsync(string instanceId, CancellationToken cancellationToken)
    {
        _attached = await _iam.GetRolePermissionsBoundaryAsync(roleName, cancellationToken);
        var revocation = await ChangeAsync(
            revocation =>
            {
                revocation.InstanceIds.Remove(instanceId);
                if (revocation.InstanceIds.Count <= RevocationBoundary.Capacity)
                {
                    revocation.RoleWideBefore = null;
                }
            },
            cancellationToken);
        if (_attached is null || _attached == policyArn)
        {
            await ConvergeAsync(revocation, cancellationToken);
        }
    }

    /// <summary>Applies <paramref name="change"/> to the stored list with a conditional write, again on each conflict.</summary>
    private async Task<RoleRevocation> ChangeAsync(Action<RoleRevocation> change, CancellationToken cancellationToken)
    {
        for (var round = 0; round < MaxRounds; round++)
        {
            var stored = await _store.GetAsync(roleName, cancellationToken);
            var revocation = stored ?? await SeedAsync(cancellationToken);
            change(revocation);
            var expected = stored?.Version;
            revocation.Version = (expected ?? 0) + 1;
            try
            {
                await _store.PutAsync(revocation, expected, cancellationToken);
                return revocation;
            }
            catch (RecordConflictException)
            {
                // Another run changed the list first: read it again and apply this change to theirs.
            }
        }

        throw new InvalidOperationException($"The revocation list of role {roleName} kept changing under {MaxRounds} attempts to update it; run again.");
    }

    /// <summary>
    /// A first item for the role. When the role already carries the tool's boundary (the record table was replaced),
    /// the instances it names are kept: a new list must never drop an instance still isolated.
    /// </summary>
    private async Task<RoleRevocation> SeedAsync(CancellationToken cancellationToken)
    {
        if (_attached != policyArn)
        {
            return new RoleRevocation { RoleName = roleName };
        }

        var (ids, roleWideBefore) = RevocationBoundary.Parse(await _iam.GetDefaultPolicyDocumentAsync(policyArn, cancellationToken));
        return new RoleRevocation { RoleName = roleName, InstanceIds = ids, RoleWideBefore = roleWideBefore };
    }

    /// <summary>Writes the boundary for <paramref name="revocation"/>, then for any newer list, until none is newer. Returns the ids named.</summary>
    private async Task<IReadOnlyList<string>> ConvergeAsync(RoleRevocation revocation, CancellationToken cancellationToken)
    {
        for (var round = 0; round < MaxRounds; round++)
        {
            var (document, named) = RevocationBoundary.Render(revocation);
            if (revocation.InstanceIds.Count == 0)
            {
                if (_attached is not null)
                {
                    await _iam.DeleteRolePermissionsBoundaryAsync(roleName, cancellationToken);
                    _attached = null;
                }
            }
            else
            {
                await WriteDocumentAsync(document, cancellationToken);
                if (_attached is null)
                {
                    await _iam.PutRolePermissionsBoundaryAsync(roleName, policyArn, cancellationToken);
                    _attached = policyArn;
                }
            }

            var latest = await _store.GetAsync(roleName, cancellationToken);
            if (latest is null || latest.Version == revocation.Version)
            {
                return revocation.InstanceIds.Take(named).ToList();
            }

            revocation = latest;
        }

        throw new InvalidOperationException($"The revocation list of role {roleName} kept changing under {MaxRounds} boundary writes; run again.");
    }

    /// <summary>
    /// Makes <paramref name="document"/> the policy's default version: creates the policy if it does not exist, else
    /// adds a version, first deleting the oldest non-default ones so that at most 4 remain (IAM keeps 5 per policy).
    /// </summary>
    private async Task WriteDocumentAsync(string document, CancellationToken cancellationToken)
    {
        if (_attached is null && await _iam.CreatePolicyAsync(RevocationBoundary.PolicyPath, RevocationBoundary.PolicyName(roleName), document, cancellationToken))
        {
            return;
        }

        for (var round = 0; ; round++)
        {
            var versions = await _iam.ListPolicyVersionsAsync(policyArn, cancellationToken);
            foreach (var old in versions.Where(v => !v.IsDefault).OrderBy(v => v.CreatedAt).Take(Math.Max(0, versions.Count - 4)))
            {
                await _iam.DeletePolicyVersionAsync(policyArn, old.VersionId, cancellationToken);
            }

            try
            {
                await _iam.CreatePolicyVersionAsync(policyArn, document, cancellationToken);
                return;
            }
            catch (PolicyVersionsFullException) when (round < MaxRounds)
            {
                // Another run added a version between the listing and this one: list again.
            }
        }
    }
}
