using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Replaces the instance profile with the deny-all isolation profile (a swap without a gap on a running instance), or
/// associates it when the instance had none. New credentials the instance fetches are then the isolation role's.
/// EC2 replaces a profile only on a running instance: elsewhere (stopped, a warm pool's instance) the profile is
/// disassociated, then the new one associated (<see cref="InstanceCapabilities.ReplacesProfileInPlace"/>). A refusal
/// for a state that settles (an association still associating or disassociating, a pending or stopping instance) is
/// retried with backoff, reading the association and the instance's state afresh (<see cref="StateSettling"/>).
/// </summary>
internal sealed class InstanceProfileStep : IIsolationStep
{
    public string Name => StepNames.InstanceProfile;

    public async Task ApplyAsync(RunContext context, CancellationToken cancellationToken)
    {
        var isolationProfile = context.Settings.RequireIsolationInstanceProfile();
        var attachments = await context.RecordedAttachmentsAsync(cancellationToken);
        await StateSettling.RetryAsync(context.Time, async attempt =>
        {
            // The first step after the network: attachments read by this run are current, which saves a round trip before
            // the credentials are swapped; recorded by an earlier run, or after a refusal, the association may have changed since.
            var current = attempt == 1 && context.AttachmentsReadThisRun
                ? attachments.InstanceProfile
                : await context.Apis.Ec2.DescribeProfileAssociationAsync(context.InstanceId, cancellationToken);
            context.Record.Artifacts.IsolationProfileAssociationId = current is not null && ProfilesMatch(current.InstanceProfileArn, isolationProfile)
                ? current.AssociationId
                : await SwitchAsync(context, attempt, current, isolationProfile, cancellationToken);
        }, cancellationToken);
    }

    public async Task RestoreAsync(RunContext context, CancellationToken cancellationToken)
    {
        if (context.Record.Original.Attachments is not { } attachments)
        {
            return; // Never recorded, so never changed.
        }

        var ec2 = context.Apis.Ec2;
        var original = attachments.InstanceProfile;
        await StateSettling.RetryAsync(context.Time, async attempt =>
        {
            var current = await ec2.DescribeProfileAssociationAsync(context.InstanceId, cancellationToken);
            switch (original, current)
            {
                case (null, not null):
                    await ec2.DisassociateProfileAsync(current.AssociationId, cancellationToken);
                    return;
                case (not null, _) when current is null || !ProfilesMatch(current.InstanceProfileArn, original.InstanceProfileArn):
                    await SwitchAsync(context, attempt, current, original.InstanceProfileArn, cancellationToken);
                    return;
            }
        }, cancellationToken);
    }

    /// <summary>The setting may name the profile or give its ARN; EC2 reports ARNs.</summary>
    internal static bool ProfilesMatch(string arn, string nameOrArn) =>
        arn == nameOrArn || ProfileName(arn) == nameOrArn;

    /// <summary>The name of a profile given by name or ARN (arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME).</summary>
    internal static string ProfileName(string nameOrArn) => nameOrArn[(nameOrArn.LastIndexOf('/') + 1)..];

    /// <summary>
    /// Puts <paramref name="profile"/> in place of <paramref name="current"/> as EC2 accepts it in the instance's state:
    /// the state the run read, or after a refusal the state read again. Returns the new association's id.
    /// </summary>
    private static async Task<string> SwitchAsync(
        RunContext context, int attempt, ProfileAssociation? current, string profile, CancellationToken cancellationToken)
    {
        var ec2 = context.Apis.Ec2;
        var instance = attempt == 1 ? context.Instance : await ec2.DescribeInstanceAsync(context.InstanceId, cancellationToken) ?? context.Instance;
        var capabilities = InstanceCapabilities.Of(instance);
        if (!capabilities.IsSettled)
        {
            // EC2 would refuse (IncorrectInstanceState); a stopping instance must not lose its profile before it stops.
            throw new IncorrectStateException($"{context.InstanceId} is {instance.State}: EC2 changes its profile once it is running or stopped.");
        }

        if (current is null)
        {
            return await ec2.AssociateProfileAsync(context.InstanceId, profile, cancellationToken);
        }

        if (capabilities.ReplacesProfileInPlace)
        {
            return await ec2.ReplaceProfileAssociationAsync(current.AssociationId, profile, cancellationToken);
        }

        // Stopped: no credentials are served in between. A refusal of the association while the old one is still
        // disassociating is retried; the retry finds no association and associates.
        await ec2.DisassociateProfileAsync(current.AssociationId, cancellationToken);
        return await ec2.AssociateProfileAsync(context.InstanceId, profile, cancellationToken);
    }
}
