namespace Ec2Isolation.TestSupport;

/// <summary>
/// Names shared by the tests that need the emulator. xunit v2 finds collection definitions only in the test
/// assembly itself, so each test project declares <c>[CollectionDefinition(MotoTests.Collection)]</c> on a class
/// implementing <c>ICollectionFixture&lt;MotoServer&gt;</c>.
/// </summary>
public static class MotoTests
{
    /// <summary>Tests against the emulator share one server and run one class at a time (they reset its state).</summary>
    public const string Collection = "moto";

    /// <summary>The trait value: <c>dotnet test --filter Category!=Integration</c> skips them.</summary>
    public const string Integration = "Integration";
}
