using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Replaces the instance profile with the deny-all isolation profile (a swap without a gap), or associates it
/// when the instance had none. New credentials the instance fetches are then the isolation role's.
/// </summary>
internal sealed class InstanceProfileStep : IIsolationStep
{
    public string Name => StepNames.InstanceProfile;

    public async Task ApplyAsync(RunContext context, CancellationToken cancellationToken)
    {
        var ec2 = context.Apis.Ec2;
        var isolationProfile = context.Settings.RequireIsolationInstanceProfile();
        var attachments = await context.RecordedAttachmentsAsync(AttachmentParts.InstanceProfile, cancellationToken);
        // The first step after the network: attachments read by this run are current, which saves a round trip before
        // the credentials are swapped; recorded by an earlier run, the association may have changed since.
        var current = context.ReadThisRun(AttachmentParts.InstanceProfile)
            ? attachments.InstanceProfile
            : await ec2.DescribeProfileAssociationAsync(context.InstanceId, cancellationToken);
        if (current is not null && ProfilesMatch(current.InstanceProfileArn, isolationProfile))
        {
            context.Record.Artifacts.IsolationProfileAssociationId = current.AssociationId;
            return;
        }

        context.Record.Artifacts.IsolationProfileAssociationId = current is null
            ? await ec2.AssociateProfileAsync(context.InstanceId, isolationProfile, cancellationToken)
            : await ec2.ReplaceProfileAssociationAsync(current.AssociationId, isolationProfile, cancellationToken);
    }

    public async Task RestoreAsync(RunContext context, CancellationToken cancellationToken)
    {
        if (context.Record.Original.Attachments is not { } attachments || !attachments.IsRead(AttachmentParts.InstanceProfile))
        {
            return; // Never recorded, so never changed.
        }

        var ec2 = context.Apis.Ec2;
        var original = attachments.InstanceProfile;
        var current = await ec2.DescribeProfileAssociationAsync(context.InstanceId, cancellationToken);
        switch (original, current)
        {
            case (null, null):
                return;
            case (null, not null):
                await ec2.DisassociateProfileAsync(current.AssociationId, cancellationToken);
                return;
            case (not null, null):
                await OriginalMustExistAsync(
                    context, original, current, () => ec2.AssociateProfileAsync(context.InstanceId, original.InstanceProfileArn, cancellationToken), cancellationToken);
                return;
            case (not null, not null) when !ProfilesMatch(current.InstanceProfileArn, original.InstanceProfileArn):
                await OriginalMustExistAsync(
                    context, original, current, () => ec2.ReplaceProfileAssociationAsync(current.AssociationId, original.InstanceProfileArn, cancellationToken), cancellationToken);
                return;
        }
    }

    /// <summary>
    /// The original profile deleted during the isolation: the isolation profile is taken off all the same (a released
    /// instance must not keep the deny-all role), leaving the instance without a profile, and the record says so.
    /// </summary>
    private static async Task OriginalMustExistAsync(RunContext context, ProfileAssociation original, ProfileAssociation? current, Func<Task<string>> restore, CancellationToken cancellationToken)
    {
        try
        {
            await restore();
        }
        catch (ResourceGoneException)
        {
            if (current is not null)
            {
                await context.Apis.Ec2.DisassociateProfileAsync(current.AssociationId, cancellationToken);
            }

            context.NotRestored($"Instance profile {original.InstanceProfileArn} no longer exists; the isolation profile was removed and the instance has none.");
        }
    }

    /// <summary>The setting may name the profile or give its ARN; EC2 reports ARNs.</summary>
    internal static bool ProfilesMatch(string arn, string nameOrArn) =>
        arn == nameOrArn || ProfileName(arn) == nameOrArn;

    /// <summary>The name of a profile given by name or ARN (arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME).</summary>
    internal static string ProfileName(string nameOrArn) => nameOrArn[(nameOrArn.LastIndexOf('/') + 1)..];
}
