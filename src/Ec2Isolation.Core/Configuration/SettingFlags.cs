namespace Ec2Isolation.Core.Configuration;

/// <summary>A true-or-false setting (an EC2ISOLATION_* variable, a CDK context key), read the same way everywhere.</summary>
public static class SettingFlags
{
    /// <summary>
    /// The setting <paramref name="name"/> as <paramref name="read"/> gives it; null when it is not set, and null with a
    /// problem added when it is neither true nor false.
    /// </summary>
    public static bool? Read(Func<string, string?> read, string name, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(problems);
        if (read(name) is not { } text)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        problems.Add($"{name} must be true or false, not '{text}'");
        return null;
    }
}
