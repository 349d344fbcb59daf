using System.Diagnostics;

namespace Ec2Isolation.TestSupport;

/// <summary>What a run of a program left: its exit code and its two output streams.</summary>
public sealed record ProgramRun(int ExitCode, string Output, string Error);

/// <summary>
/// The built ec2-isolation program, run in a process of its own as an analyst runs it. A test project that uses it
/// references src/Ec2Isolation.Cli, so that the program is built into its output folder.
/// </summary>
public static class CliProgram
{
    public static string AssemblyPath => Path.Combine(AppContext.BaseDirectory, "ec2-isolation.dll");

    /// <summary>
    /// Runs the program with <paramref name="arguments"/> in the environment <paramref name="environment"/> (null removes a
    /// variable): no AWS_ or EC2ISOLATION_ variable of the test's own environment is passed on. <paramref name="started"/>
    /// gets the process as soon as it runs (a test that kills it mid-run).
    /// </summary>
    public static async Task<ProgramRun> RunAsync(
        string arguments, IReadOnlyDictionary<string, string?> environment, Action<Process>? started = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var start = new ProcessStartInfo("dotnet", $"\"{AssemblyPath}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var name in start.Environment.Keys.Where(key => key.StartsWith("AWS_", StringComparison.Ordinal) || key.StartsWith("EC2ISOLATION_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment.Where(variable => variable.Value is not null))
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        started?.Invoke(process);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ProgramRun(process.ExitCode, await output, await error);
    }
}

/// <summary>The environment the CLI and the bootstrap run in against the emulator's <see cref="MotoAccount"/>.</summary>
public static class MotoEnvironment
{
    /// <param name="endpoint">The emulator, or a <see cref="FaultProxy"/> in front of it.</param>
    public static Dictionary<string, string?> For(string endpoint) => new(StringComparer.Ordinal)
    {
        ["AWS_ENDPOINT_URL"] = endpoint,
        ["AWS_REGION"] = MotoServer.Region,
        ["AWS_ACCESS_KEY_ID"] = "testing",
        ["AWS_SECRET_ACCESS_KEY"] = "testing",
        ["EC2ISOLATION_TABLE"] = MotoAccount.TableName,
        ["EC2ISOLATION_INSTANCE_PROFILE"] = MotoAccount.IsolationProfile,
    };
}
