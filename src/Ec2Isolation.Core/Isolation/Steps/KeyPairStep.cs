namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Optional (<see cref="Configuration.IsolationSettings.DeleteKeyPair"/>): records the instance's EC2 key pair, public key
/// included, then deletes it, so that nobody launches another instance with it; release imports the recorded public key
/// under the same name. It does not touch the instance: the key stays in its authorized_keys, and the quarantine group
/// is what keeps SSH out. A key pair whose public key EC2 does not give is left alone: deleting it could not be undone.
/// </summary>
internal sealed class KeyPairStep : IIsolationStep
{
    public string Name => StepNames.KeyPair;

    public async Task ApplyAsync(RunContext context, CancellationToken cancellationToken)
    {
        var keyName = context.Record.Artifacts.KeyPair?.KeyName ?? context.Instance.KeyName;
        if (!context.Settings.DeleteKeyPair || keyName is null)
        {
            return;
        }

        var ec2 = context.Apis.Ec2;
        var current = await ec2.DescribeKeyPairAsync(keyName, cancellationToken);
        var recorded = context.Record.Artifacts.KeyPair;
        if (current is null || (recorded is not null && !current.HoldsSameKeyAs(recorded)))
        {
            // Deleted already (a rerun), or the name now holds another key that is not this isolation's to delete.
            return;
        }

        if (recorded is null)
        {
            if (current.PublicKey is null)
            {
                throw new InvalidOperationException(
                    $"EC2 did not return the public key of key pair '{keyName}', so a release could not re-import it: it was left as it is.");
            }

            context.Record.Artifacts.KeyPair = current;
            await context.SaveAsync(cancellationToken);
        }

        await ec2.DeleteKeyPairAsync(current.KeyPairId, cancellationToken);
        AfterContainmentLog.KeyPairDeleted(context.Logger, keyName, current.KeyPairId, context.InstanceId);
    }

    /// <summary>
    /// Imports the recorded public key under its name. A key pair of that name holding the same key is the restored one
    /// (a rerun); one holding another key is left as it is and named in the release's not-restored list.
    /// </summary>
    public async Task RestoreAsync(RunContext context, CancellationToken cancellationToken)
    {
        if (context.Record.Artifacts.KeyPair is not { PublicKey: { } publicKey } recorded)
        {
            return;
        }

        var ec2 = context.Apis.Ec2;
        try
        {
            if (await ec2.DescribeKeyPairAsync(recorded.KeyName, cancellationToken) is null)
            {
                var id = await ec2.ImportKeyPairAsync(
                    recorded.KeyName, publicKey, new Dictionary<string, string> { [context.StatusTag("restored-for")] = context.InstanceId }, cancellationToken);
                AfterContainmentLog.KeyPairImported(context.Logger, recorded.KeyName, context.InstanceId, id);
                return;
            }
        }
        catch (Ports.KeyPairExistsException)
        {
            // Another import took the name between the read and the import: compared below like any key found.
        }

        if (await ec2.DescribeKeyPairAsync(recorded.KeyName, cancellationToken) is { } found && !found.HoldsSameKeyAs(recorded))
        {
            context.NotRestored(
                $"key pair '{recorded.KeyName}': the name now holds another key ({found.KeyPairId}, fingerprint {found.Fingerprint}), left as it is; "
                + "the original public key is in the record (artifacts.keyPair.publicKey).");
        }
    }
}
