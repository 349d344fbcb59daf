using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Adds an instance to, or removes it from, one role's revocation boundary without losing another run's change: the
/// region's list lives in a versioned item of the region's record table (<see cref="IRoleRevocationStore"/>), changed
/// by conditional writes; the region's statements of the policy are rendered from it, and the other regions'
/// statements are kept as read from the policy's default version (<see cref="RevocationBoundary.Split"/>). IAM writes
/// are not ordered by the item's version, so after each IAM write the item is read again and, if another run of the
/// region changed it meanwhile, the newer list is rendered and written too; and the policy and the role's boundary are
/// read back and written again when another region's write (rendered from an older document) dropped this region's
/// statements or the boundary was detached meanwhile (README, "The credential revocation: trust and capacity").
/// </summary>
internal sealed class RoleBoundaryWriter(AwsApis apis, string roleName, string policyArn, string region, TimeProvider time)
{
    /// <summary>Attempts at one conditional write, or at one convergence, before giving up (each is a contended round).</summary>
    private const int MaxRounds = 100;

    private readonly IIamApi _iam = apis.Iam;
    private readonly IRoleRevocationStore _store = apis.RoleRevocations;

    /// <summary>The ARN of the role's boundary as last read or written (null: none).</summary>
    private string? _attached;

    /// <summary>The policy exists with a document that may hold other regions' statements: attached when first read, or written since.</summary>
    private bool _policyCurrent;

    /// <summary>
    /// Reads the role's boundary. A boundary that is not the tool's own is never replaced: the step fails, with the
    /// command that adds the same deny as an inline policy, for a person with the rights to do it.
    /// </summary>
    public async Task RequireOwnOrNoBoundaryAsync(string instanceArn, CancellationToken cancellationToken)
    {
        _attached = await _iam.GetRolePermissionsBoundaryAsync(roleName, cancellationToken);
        _policyCurrent = _attached == policyArn;
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

    /// <summary>Adds the instance to the region's list and writes the boundary; true when the deny had to become role-wide for it.</summary>
    public async Task<bool> RevokeAsync(string instanceId, CancellationToken cancellationToken)
    {
        var capacity = RevocationBoundary.RegionCapacity(region, (await ReadAsync(cancellationToken)).Others);
        var revocation = await ChangeAsync(
            revocation =>
            {
                if (!revocation.InstanceIds.Contains(instanceId))
                {
                    revocation.InstanceIds.Add(instanceId);
                    if (revocation.InstanceIds.Count > capacity)
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
    /// Removes the instance from the region's list and writes the boundary without the region's statements when the
    /// list is empty, or removes the boundary when no region's statement remains. A role whose boundary is no longer the
    /// tool's is left as it is: its list only is updated.
    /// </summary>
    public async Task ReleaseAsync(string instanceId, CancellationToken cancellationToken)
    {
        _attached = await _iam.GetRolePermissionsBoundaryAsync(roleName, cancellationToken);
        _policyCurrent = _attached == policyArn;
        var capacity = RevocationBoundary.RegionCapacity(region, (await ReadAsync(cancellationToken)).Others);
        var revocation = await ChangeAsync(
            revocation =>
            {
                revocation.InstanceIds.Remove(instanceId);
                if (revocation.InstanceIds.Count <= capacity)
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
    /// the instances its region's statements name are kept: a new list must never drop an instance still isolated.
    /// </summary>
    private async Task<RoleRevocation> SeedAsync(CancellationToken cancellationToken)
    {
        if (_attached != policyArn)
        {
            return new RoleRevocation { RoleName = roleName };
        }

        var own = await ReadAsync(cancellationToken);
        return new RoleRevocation { RoleName = roleName, InstanceIds = own.InstanceIds, RoleWideBefore = own.RoleWideBefore };
    }

    /// <summary>The policy's default version split by region; empty when the policy holds nothing current.</summary>
    private async Task<BoundaryParts> ReadAsync(CancellationToken cancellationToken) =>
        RevocationBoundary.Split(_policyCurrent ? await _iam.GetDefaultPolicyDocumentAsync(policyArn, cancellationToken) : null, region);

    /// <summary>
    /// Writes the region's statements for <paramref name="revocation"/> beside the other regions' (or removes the
    /// boundary when no region's statement remains), then again for any newer list of the region, or when the policy or
    /// the role read back lost what was written, until neither. Returns the ids named.
    /// </summary>
    private async Task<IReadOnlyList<string>> ConvergeAsync(RoleRevocation revocation, CancellationToken cancellationToken)
    {
        for (var round = 0; round < MaxRounds; round++)
        {
            var current = await ReadAsync(cancellationToken);
            var overflowBefore = current.RoleWideBefore ?? RevocationBoundary.NextWholeSecond(time.GetUtcNow());
            var (document, named, own) = RevocationBoundary.Render(revocation, region, current.Others, overflowBefore);
            var keep = own.Length > 0 || current.Others.Count > 0;
            if (own.Length == 0)
            {
                // No statement of this region: its old ones go from the document first, so that no other region keeps
                // them as another region's, and the boundary goes when no region's statement remains.
                if (current.Own.Length > 0)
                {
                    await WriteDocumentAsync(RevocationBoundary.WithoutRegion(current.Others), parts => RevocationBoundary.WithoutRegion(parts.Others), cancellationToken);
                }

                if (!keep && _attached is not null)
                {
                    await _iam.DeleteRolePermissionsBoundaryAsync(roleName, cancellationToken);
                    _attached = null;
                }
            }
            else if (own != current.Own || !_policyCurrent)
            {
                await WriteDocumentAsync(document, parts =>
                {
                    (document, named, own) = RevocationBoundary.Render(revocation, region, parts.Others, overflowBefore);
                    return document;
                }, cancellationToken);
            }

            if (keep && _attached is null)
            {
                await _iam.PutRolePermissionsBoundaryAsync(roleName, policyArn, cancellationToken);
                _attached = policyArn;
            }

            var latest = await _store.GetAsync(roleName, cancellationToken);
            if (latest is not null && latest.Version != revocation.Version)
            {
                revocation = latest;
                continue;
            }

            // Another region's write, rendered from a document older than this one, may have dropped this region's
            // statements; a release of another region may have detached the boundary it found holding only its own.
            _attached = await _iam.GetRolePermissionsBoundaryAsync(roleName, cancellationToken);
            if (_attached is not null && _attached != policyArn)
            {
                // Someone replaced the tool's boundary meanwhile: it is never replaced back (RequireOwnOrNoBoundaryAsync).
                return revocation.InstanceIds.Take(named).ToList();
            }

            var written = await ReadAsync(cancellationToken);
            if (written.Own == own && (keep ? _attached == policyArn : _attached is null && written.Others.Count == 0))
            {
                return revocation.InstanceIds.Take(named).ToList();
            }
        }

        throw new InvalidOperationException($"The revocation boundary of role {roleName} kept changing under {MaxRounds} writes; run again.");
    }

    /// <summary>
    /// Makes <paramref name="document"/> the policy's default version: creates the policy if it does not exist, else
    /// adds a version, first deleting the oldest non-default ones so that at most 4 remain (IAM keeps 5 per policy). A
    /// current policy is read again right before the version is added and the document rendered anew from it
    /// (<paramref name="render"/>), so that another region's write is missed only within that one call.
    /// </summary>
    private async Task WriteDocumentAsync(string document, Func<BoundaryParts, string> render, CancellationToken cancellationToken)
    {
        var current = _policyCurrent;
        if (_attached is null && await _iam.CreatePolicyAsync(RevocationBoundary.PolicyPath, RevocationBoundary.PolicyName(roleName), document, cancellationToken))
        {
            _policyCurrent = true;
            return;
        }

        _policyCurrent = true;

        for (var round = 0; ; round++)
        {
            var versions = await _iam.ListPolicyVersionsAsync(policyArn, cancellationToken);
            foreach (var old in versions.Where(v => !v.IsDefault).OrderBy(v => v.CreatedAt).Take(Math.Max(0, versions.Count - 4)))
            {
                await _iam.DeletePolicyVersionAsync(policyArn, old.VersionId, cancellationToken);
            }

            if (current)
            {
                document = render(await ReadAsync(cancellationToken));
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
