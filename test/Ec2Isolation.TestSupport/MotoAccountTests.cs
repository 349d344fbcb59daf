namespace Ec2Isolation.TestSupport;

/// <summary>
/// A test class against the emulator with a fresh <see cref="MotoAccount"/> for each test (xunit makes one instance of
/// the class per test). The derived class carries <c>[Collection(MotoTests.Collection)]</c> and the integration trait.
/// </summary>
public abstract class MotoAccountTests(MotoServer moto) : IAsyncLifetime
{
    protected MotoServer Moto { get; } = moto;

    protected MotoAccount Account { get; private set; } = null!;

    public async Task InitializeAsync() => Account = await MotoAccount.CreateAsync(Moto);

    public Task DisposeAsync()
    {
        Account.Dispose();
        return Task.CompletedTask;
    }
}
