using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;

namespace Ec2Isolation.Cli.Tests;

/// <summary>
/// `dotnet pack` of the CLI makes a .NET tool package with the command ec2-isolation (README, "Install the CLI"). It
/// packs the build the tests already made (--no-build), so it costs seconds, not a build.
/// </summary>
public sealed class ToolPackageTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly DirectoryInfo _output = Directory.CreateTempSubdirectory("ec2-isolation-pack-");

    public void Dispose() => _output.Delete(recursive: true);

    [Fact]
    public async Task Pack_Cli_ToolPackageWithTheEc2IsolationCommand()
    {
        var project = Path.Combine(RepositoryRoot(), "src", "Ec2Isolation.Cli", "Ec2Isolation.Cli.csproj");
        using var pack = Process.Start(new ProcessStartInfo("dotnet", ["pack", project, "-c", Configuration, "--no-build", "-o", _output.FullName, "-v", "q", "--nologo"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = await pack.StandardOutput.ReadToEndAsync() + await pack.StandardError.ReadToEndAsync();
        await pack.WaitForExitAsync();

        Assert.True(pack.ExitCode == 0, output);
        var package = Assert.Single(_output.GetFiles("Ec2Isolation.Cli.*.nupkg"));
        using var zip = ZipFile.OpenRead(package.FullName);
        var settings = zip.GetEntry("tools/net10.0/any/DotnetToolSettings.xml") ?? throw new InvalidOperationException("not a tool package");
        using var stream = settings.Open();
        var command = XDocument.Load(stream).Descendants("Command").Single();
        Assert.Equal(("ec2-isolation", "ec2-isolation.dll"), ((string?)command.Attribute("Name"), (string?)command.Attribute("EntryPoint")));
        Assert.NotNull(zip.GetEntry("tools/net10.0/any/ec2-isolation.dll"));
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Ec2Isolation.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Ec2Isolation.sln not found above " + AppContext.BaseDirectory);
    }
}
