using System.Globalization;
using System.Text.Json;
using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Revokes the credentials the instance already holds (or that were stolen from it): an inline deny on each role of
/// the original profile, scoped to sessions of this instance (ec2:SourceInstanceARN) issued before now. Other
/// instances sharing the role keep working.
/// </summary>
internal sealed class CredentialRevocationStep : IIsolationStep
{
    public string Name => StepNames.CredentialRevocation;

    public async Task ApplyAsync(RunContext context, CancellationToken cancellationToken)
    {
        var original = (await context.RecordedAttachmentsAsync(AttachmentParts.InstanceProfile, cancellationToken)).InstanceProfile;
        if (original is null)
        {
            return;
        }

        var artifacts = context.Record.Artifacts;
        if (artifacts.RevocationPolicyName is null)
        {
            // Recorded before the policy is written, so that a release after a crash here still removes it.
            artifacts.OriginalRoleNames = [.. await context.Apis.Iam.GetInstanceProfileRolesAsync(original.InstanceProfileArn, cancellationToken)];
            artifacts.RevocationPolicyName = PolicyName(context.InstanceId);
            artifacts.CredentialsRevokedBefore = NextWholeSecond(context.Time.GetUtcNow());
            await context.SaveAsync(cancellationToken);
        }

        var document = PolicyDocument(context.Record.InstanceArn, artifacts.CredentialsRevokedBefore!.Value);
        await Task.WhenAll(artifacts.OriginalRoleNames.Select(role =>
            context.Apis.Iam.PutRolePolicyAsync(role, artifacts.RevocationPolicyName, document, cancellationToken)));
    }

    public Task RestoreAsync(RunContext context, CancellationToken cancellationToken)
    {
        var artifacts = context.Record.Artifacts;
        return artifacts.RevocationPolicyName is not { } policy
            ? Task.CompletedTask
            : Task.WhenAll(artifacts.OriginalRoleNames.Select(role =>
                context.Apis.Iam.DeleteRolePolicyAsync(role, policy, cancellationToken)));
    }

    /// <summary>IAM compares whole seconds: round up, so that a session issued in this very second is revoked too.</summary>
    private static DateTimeOffset NextWholeSecond(DateTimeOffset now) =>
        now.AddTicks(TimeSpan.TicksPerSecond - (now.UtcTicks % TimeSpan.TicksPerSecond));

    public static string PolicyName(string instanceId) => "ec2-isolation-revoke-" + instanceId;

    /// <summary>Deny everything to sessions of this instance issued before the isolation.</summary>
    public static string PolicyDocument(string instanceArn, DateTimeOffset issuedBefore)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("Version", "2012-10-17");
            json.WriteStartArray("Statement");
            json.WriteStartObject();
            json.WriteString("Sid", "Ec2IsolationRevokeIssuedCredentials");
            json.WriteString("Effect", "Deny");
            json.WriteString("Action", "*");
            json.WriteString("Resource", "*");
            json.WriteStartObject("Condition");
            json.WriteStartObject("ArnEquals");
            json.WriteString("ec2:SourceInstanceARN", instanceArn);
            json.WriteEndObject();
            json.WriteStartObject("DateLessThan");
            json.WriteString("aws:TokenIssueTime", issuedBefore.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
