using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Cdk.Tests;

/// <summary>cfn-lint is the templates' validity check (.ci/run installs it).</summary>
[Collection(SynthesizedStacks.Collection)]
public sealed class CfnLintTests(SynthesizedStacks stacks)
{
    /// <summary>Clean but for W3005, CDK's own pattern, ignored in cdk/.cfnlintrc.yaml (which says why).</summary>
    [Fact]
    [Trait("Category", "Lint")]
    public Task CfnLint_EveryTemplate_IsClean() => AssertCleanAsync(stacks.All);

    /// <summary>cfn-lint with the repository's configuration over the templates; its findings in the failure.</summary>
    internal static async Task AssertCleanAsync(IEnumerable<StackTemplate> templates)
    {
        var config = Path.Combine(BootstrapProcess.RepositoryRoot, "cdk", ".cfnlintrc.yaml");
        var (exitCode, lint) = await BootstrapProcess.RunAsync(
            "cfn-lint", ["--config-file", config, "--", .. templates.Select(stack => stack.TemplatePath)], TimeSpan.FromMinutes(3));

        Assert.True(exitCode == 0, $"cfn-lint exited with {exitCode}:\n{lint}");
    }
}
