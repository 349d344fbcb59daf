using System.Text.Json;

namespace Ec2Isolation.TestSupport;

/// <summary>What handling a hostile event must come to: an error (with a fragment of its message), or a logged no-op.</summary>
/// <param name="Outcome"><c>error</c> (InvalidEventException) or <c>ignored</c>.</param>
/// <param name="Message">A fragment the error's message must hold.</param>
/// <param name="Why">What the event tries.</param>
public sealed record HostileExpectation(string Outcome, string? Message, string Why)
{
    public const string Error = "error";
    public const string Ignored = "ignored";
}

/// <summary>
/// The corpus of malformed and hostile events in Events/hostile/, one file each, and what each must come to
/// (Events/hostile/manifest.json). Placeholders: <c>{{instanceId}}</c>, an instance that is not isolated;
/// <c>{{isolatedInstanceId}}</c>, one that is (the events that try to release it); <c>{{findingId}}</c>.
/// </summary>
public static class HostileEvents
{
    private const string Folder = "hostile";
    private const string ManifestFile = "manifest.json";

    private static readonly Lazy<IReadOnlyDictionary<string, HostileExpectation>> Manifest = new(ReadManifest);

    /// <summary>The corpus' file names, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [.. Directory.EnumerateFiles(Path.GetDirectoryName(SampleEvents.PathOf(Path.Combine(Folder, ManifestFile)))!, "*.json")
            .Select(path => Path.GetFileName(path))
            .Where(name => name != ManifestFile)
            .Order(StringComparer.Ordinal)];

    /// <summary>Every file the manifest describes.</summary>
    public static IReadOnlyCollection<string> Described => [.. Manifest.Value.Keys];

    public static HostileExpectation Expected(string name) =>
        Manifest.Value.TryGetValue(name, out var expected) ? expected : throw new KeyNotFoundException($"{name} is not in {Folder}/{ManifestFile}");

    /// <summary>The event's text with its placeholders filled in.</summary>
    public static string Load(string name, string instanceId, string isolatedInstanceId) =>
        SampleEvents.Load(Path.Combine(Folder, name), instanceId).Replace("{{isolatedInstanceId}}", isolatedInstanceId, StringComparison.Ordinal);

    private static Dictionary<string, HostileExpectation> ReadManifest()
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(SampleEvents.PathOf(Path.Combine(Folder, ManifestFile))));
        return manifest.RootElement.EnumerateObject().ToDictionary(
            entry => entry.Name,
            entry => new HostileExpectation(
                entry.Value.GetProperty("outcome").GetString()!,
                entry.Value.TryGetProperty("message", out var message) ? message.GetString() : null,
                entry.Value.GetProperty("why").GetString()!),
            StringComparer.Ordinal);
    }
}
