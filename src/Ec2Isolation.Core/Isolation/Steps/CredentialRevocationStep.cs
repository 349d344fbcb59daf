namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Revokes the credentials the instance already holds (or that were stolen from it): each role of the original profile
/// gets the tool's permissions boundary, whose deny names this instance (ec2:SourceInstanceARN), with no time condition:
/// no session of the role from this instance is legitimate until release. Other instances sharing the role keep
/// working. The step writes no permission policy: a boundary can only restrict (README, "Trust").
/// </summary>
internal sealed class CredentialRevocationStep : IIsolationStep
{
    public string Name => StepNames.CredentialRevocation;

    public async Task ApplyAsync(RunContext context, CancellationToken cancellationToken)
    {
        var original = (await context.RecordedAttachmentsAsync(cancellationToken)).InstanceProfile;
        if (original is null)
        {
            return;
        }

        var artifacts = context.Record.Artifacts;
        if (artifacts.RevocationBoundaryArns.Count == 0)
        {
            // Recorded before any list or boundary changes, so that a release after a crash here still removes this instance.
            artifacts.OriginalRoleNames = [.. await context.Apis.Iam.GetInstanceProfileRolesAsync(original.InstanceProfileArn, cancellationToken)];
            artifacts.RevocationBoundaryArns = [.. artifacts.OriginalRoleNames.Select(role => BoundaryArn(context, role))];
            await context.SaveAsync(cancellationToken);
        }

        var writers = artifacts.OriginalRoleNames.Select(role => Writer(context, role)).ToList();
        await Task.WhenAll(writers.Select(writer => writer.RequireOwnOrNoBoundaryAsync(context.Record.InstanceArn, cancellationToken)));
        var roleWide = await Task.WhenAll(writers.Select(writer => writer.RevokeAsync(context.InstanceId, cancellationToken)));
        if (roleWide.Any(wide => wide))
        {
            artifacts.RoleWideRevocation = true;
            Log.RoleWideRevocation(context.Logger, context.InstanceId, RevocationBoundary.Capacity);
        }
    }

    public async Task RestoreAsync(RunContext context, CancellationToken cancellationToken)
    {
        var artifacts = context.Record.Artifacts;
        if (artifacts.RevocationPolicyName is { } legacyPolicy)
        {
            // A record of an earlier release, which revoked with one inline policy per instance.
            await Task.WhenAll(artifacts.OriginalRoleNames.Select(role =>
                context.Apis.Iam.DeleteRolePolicyAsync(role, legacyPolicy, cancellationToken)));
        }

        if (artifacts.RevocationBoundaryArns.Count > 0)
        {
            await Task.WhenAll(artifacts.OriginalRoleNames.Select(role => Writer(context, role).ReleaseAsync(context.InstanceId, cancellationToken)));
        }
    }

    private static RoleBoundaryWriter Writer(RunContext context, string role) =>
        new(context.Apis, role, BoundaryArn(context, role), context.Time);

    /// <summary>The boundary of <paramref name="role"/> in the instance's account and partition (from the record's instance ARN).</summary>
    private static string BoundaryArn(RunContext context, string role) =>
        RevocationBoundary.PolicyArn(context.Record.InstanceArn.Split(':')[1], context.Record.AccountId, role);
}
