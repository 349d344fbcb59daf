using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;

namespace Ec2Isolation.Cli;

/// <summary>
/// What <c>ec2-isolation --version</c> prints: "ec2-isolation VERSION (commit SHA)", read from this assembly's
/// informational version, VERSION+SHA when the SDK's Source Link found the git commit at build time (a build outside a
/// clone has none: "commit unknown"). From this assembly, not the entry one, so that it reads the same under a test host.
/// </summary>
internal sealed class CliVersion : SynchronousCommandLineAction
{
    public static string Text { get; } = Describe(
        typeof(CliVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0");

    /// <summary>"ec2-isolation 1.0.0 (commit 0123abc...)" from "1.0.0+0123abc...".</summary>
    public static string Describe(string informationalVersion)
    {
        ArgumentNullException.ThrowIfNull(informationalVersion);
        var plus = informationalVersion.IndexOf('+', StringComparison.Ordinal);
        return plus < 0
            ? $"ec2-isolation {informationalVersion} (commit unknown)"
            : $"ec2-isolation {informationalVersion[..plus]} (commit {informationalVersion[(plus + 1)..]})";
    }

    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        parseResult.InvocationConfiguration.Output.WriteLine(Text);
        return ExitCodes.Success;
    }
}
