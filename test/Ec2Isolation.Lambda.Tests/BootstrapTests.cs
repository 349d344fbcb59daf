using System.Text.Json;
using System.Text.RegularExpressions;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Lambda.Tests;

/// <summary>The published Native AOT bootstrap (eng/publish-lambda.sh publishes it when missing).</summary>
[Trait("Category", "Aot")]
public sealed partial class BootstrapTests
{
    /// <summary>Amazon Linux 2023, under provided.al2023.</summary>
    private static readonly Version NewestGlibc = new(2, 34);

    [Fact]
    public async Task Bootstrap_Published_NeedsNoGlibcNewerThanAmazonLinux2023()
    {
        var x64 = await BootstrapProcess.EnsurePublishedAsync();
        var published = Directory.GetFiles(Path.GetDirectoryName(Path.GetDirectoryName(x64))!, "bootstrap", SearchOption.AllDirectories);

        foreach (var binary in published)
        {
            var (exitCode, symbols) = await BootstrapProcess.RunAsync("objdump", ["-T", binary], TimeSpan.FromMinutes(1));

            Assert.Equal(0, exitCode);
            var newest = GlibcVersion().Matches(symbols).Select(match => Version.Parse(match.Groups[1].Value)).Max();
            Assert.True(newest is not null && newest <= NewestGlibc, $"{binary} needs GLIBC_{newest}; Amazon Linux 2023 has {NewestGlibc}");
        }
    }

    [Fact]
    public async Task Bootstrap_TableNotConfigured_PostsInitErrorAndExitsNonZero()
    {
        await using var standIn = LambdaRuntimeStandIn.Start();
        await using var bootstrap = await BootstrapProcess.StartAsync(standIn, new Dictionary<string, string?>
        {
            ["AWS_REGION"] = "us-east-1",
            ["EC2ISOLATION_TABLE"] = null,
        });

        var initError = await standIn.WaitForInitErrorAsync();
        await bootstrap.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, bootstrap.ExitCode);
        Assert.Equal("InvalidRequestException", initError.ErrorTypeHeader);
        Assert.Contains("EC2ISOLATION_TABLE", initError.Body, StringComparison.Ordinal);
        var logged = JsonDocument.Parse(Assert.Single(bootstrap.Lines)).RootElement;
        Assert.Equal("Critical", logged.GetProperty("level").GetString());
    }

    [GeneratedRegex(@"GLIBC_(\d+\.\d+(?:\.\d+)?)")]
    private static partial Regex GlibcVersion();
}
