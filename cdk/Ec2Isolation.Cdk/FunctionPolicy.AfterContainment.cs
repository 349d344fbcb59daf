namespace Ec2Isolation.Cdk;

/// <summary>The scopes of the responder's flow after containment: key pairs, the stop after evidence, the re-image from snapshots.</summary>
internal static partial class FunctionPolicy
{
    private static bool IsAfterContainment(string action) =>
        action is "ec2:DeleteKeyPair" or "ec2:ImportKeyPair" or "ec2:StopInstances" or "ec2:StartInstances" or "ec2:RegisterImage";

    private static IEnumerable<Scope> AfterContainmentScopes(Targets t)
    {
        var stack = t.Stack;

        // Key pairs of this account and region only (the key pair step deletes, a release re-imports).
        yield return new("KeyPairs", a => a is "ec2:DeleteKeyPair" or "ec2:ImportKeyPair", [Arn(stack, "ec2", "key-pair", "*")]);

        // Stop and start only an instance the tool marked isolated: its status tag, written by the status tags step
        // before the stop step, and removed by a release after the start.
        yield return new("StopIsolatedInstances", a => a is "ec2:StopInstances" or "ec2:StartInstances", [Arn(stack, "ec2", "instance", "*")],
            new() { ["StringEquals"] = new Dictionary<string, object> { [$"aws:ResourceTag/{t.TagKey}:status"] = "isolated" } });

        if (!t.ForAnalysts)
        {
            yield break;
        }

        // A re-image registers an image (whose ARN has no account) from the account's snapshots.
        yield return new("RegisterReimages", a => a == "ec2:RegisterImage", [Arn(stack, "ec2", "image", "*", account: ""), Snapshots(stack)]);

        // Tags given at creation of a re-imported key pair and a re-image's image.
        yield return new("TagOnImport", a => a == "ec2:CreateTags", [Arn(stack, "ec2", "key-pair", "*"), Arn(stack, "ec2", "image", "*", account: "")],
            new() { ["StringEquals"] = new Dictionary<string, object> { ["ec2:CreateAction"] = new[] { "ImportKeyPair", "RegisterImage" } } });
    }
}
