namespace Ec2Isolation.Cdk.Tests;

/// <summary>A folder standing in for eng/publish-lambda.sh's output, so that tests synthesize without publishing.</summary>
internal static class StubCode
{
    public static string CreateFolder()
    {
        var folder = Directory.CreateTempSubdirectory("ec2-isolation-stub-code-").FullName;
        File.WriteAllText(Path.Combine(folder, "bootstrap"), "#!/bin/sh\necho 'a stub: the tests deploy no real function' >&2\nexit 1\n");
        return folder;
    }
}
