using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;

namespace Ec2Isolation.Cdk;

/// <summary>The stacks of one app: one per region, so that one `cdk deploy --all` deploys every region.</summary>
public static class Ec2IsolationApp
{
    public const string StackPrefix = "Ec2Isolation";

    /// <summary>
    /// One stack per region of the settings, else one in <paramref name="defaultRegion"/> (the CLI's), else one
    /// environment-agnostic stack (a synth with no AWS account or configuration). <paramref name="functionCode"/> makes
    /// each stack its own code: an asset belongs to one stack.
    /// </summary>
    public static IReadOnlyList<Ec2IsolationStack> AddStacks(Constructs.Construct app, DeploymentSettings settings, Func<Code> functionCode, string? account, string? defaultRegion)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(functionCode);
        string?[] regions = settings.Regions.Count > 0 ? [.. settings.Regions] : [defaultRegion];
        return
        [
            .. regions.Select(region => new Ec2IsolationStack(app, region is null ? StackPrefix : $"{StackPrefix}-{region}", new Ec2IsolationStackProps
            {
                Env = new Amazon.CDK.Environment { Account = account, Region = region },
                Description = "EC2 instance isolation (Ec2Isolation)",
                Settings = settings,
                FunctionCode = functionCode(),
            })),
        ];
    }

    /// <summary>
    /// The member stack (`-c mode=member`): one environment-agnostic template for every member account and region, to
    /// deploy as a StackSet; without a bootstrap version check, as member accounts are not CDK-bootstrapped.
    /// </summary>
    public static MemberStack AddMemberStack(Constructs.Construct app, DeploymentSettings settings) => new(app, StackPrefix + "Member", new MemberStackProps
    {
        Description = "EC2 instance isolation (Ec2Isolation): member account resources for the central deployment",
        Settings = settings,
        Synthesizer = new BootstraplessSynthesizer(),
    });
}
