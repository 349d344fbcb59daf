using Ec2Isolation.Core.Isolation;

namespace Ec2Isolation.Core.Tests.Isolation;

/// <summary>The key pair step (off by default): record the public key, delete the key pair; release re-imports it.</summary>
public sealed partial class IsolationServiceTests
{
    private const string PublicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests";

    [Fact]
    public async Task IsolateAsync_KeyPairSettingOff_KeyPairUntouched()
    {
        _cloud.AddInstance(InstanceId, VpcId).KeyName = _cloud.AddKeyPair("ops", PublicKey).KeyName;

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.True(_cloud.KeyPairs.ContainsKey("ops"));
        Assert.DoesNotContain("DescribeKeyPairs", _cloud.Calls);
        Assert.Null(_cloud.StoredRecord(InstanceId)!.Artifacts.KeyPair);
    }

    [Fact]
    public async Task IsolateAsync_KeyPairSettingOn_PublicKeyRecordedBeforeTheKeyPairIsDeleted()
    {
        _settings = _settings with { DeleteKeyPair = true };
        var key = _cloud.AddKeyPair("ops", PublicKey);
        _cloud.AddInstance(InstanceId, VpcId).KeyName = key.KeyName;
        IsolationRecordAtDelete = null;
        _cloud.BeforeCall = call => IsolationRecordAtDelete ??= call == "DeleteKeyPair" ? _cloud.StoredRecord(InstanceId)?.Artifacts.KeyPair?.PublicKey : null;

        var result = await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.Equal(IsolationOutcome.Isolated, result.Outcome);
        Assert.False(_cloud.KeyPairs.ContainsKey("ops"));
        Assert.Equal(key.PublicKey, IsolationRecordAtDelete);
    }

    [Fact]
    public async Task ReleaseAsync_KeyPairDeleted_ReimportedUnderTheSameNameWithTheSameKey()
    {
        _settings = _settings with { DeleteKeyPair = true };
        var key = _cloud.AddKeyPair("ops", PublicKey);
        _cloud.AddInstance(InstanceId, VpcId).KeyName = key.KeyName;
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        var result = await CreateSut().ReleaseAsync(new(InstanceId), CancellationToken.None);

        var restored = _cloud.KeyPairs["ops"];
        Assert.Empty(result.Record.NotRestored);
        Assert.True(restored.HoldsSameKeyAs(key));
        // EC2 fingerprints an import by its public key, an EC2-created key pair by its private key: they differ.
        Assert.NotEqual(key.Fingerprint, restored.Fingerprint);
    }

    [Fact]
    public async Task ReleaseAsync_KeyPairReimportedByARerun_NotImportedTwice()
    {
        _settings = _settings with { DeleteKeyPair = true };
        _cloud.AddInstance(InstanceId, VpcId).KeyName = _cloud.AddKeyPair("ops", PublicKey).KeyName;
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        // The instance profile is restored after the key pair (release runs the steps in reverse).
        FailOn("DisassociateIamInstanceProfile");
        var failed = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().ReleaseAsync(new(InstanceId), CancellationToken.None));
        Assert.Equal(("instance-profile", true), (failed.FailedStep, _cloud.KeyPairs.ContainsKey("ops")));
        _cloud.BeforeCall = null;

        await CreateSut().ReleaseAsync(new(InstanceId), CancellationToken.None);

        Assert.Single(_cloud.Calls, call => call == "ImportKeyPair");
    }

    [Fact]
    public async Task ReleaseAsync_NameTakenByAnotherKey_LeftAsItIsAndListedAsNotRestored()
    {
        _settings = _settings with { DeleteKeyPair = true };
        _cloud.AddInstance(InstanceId, VpcId).KeyName = _cloud.AddKeyPair("ops", PublicKey).KeyName;
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        var other = _cloud.AddKeyPair("ops", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQOther");

        var result = await CreateSut().ReleaseAsync(new(InstanceId), CancellationToken.None);

        Assert.Same(other, _cloud.KeyPairs["ops"]);
        Assert.Contains(result.Record.NotRestored, line => line.Contains("key pair 'ops'", StringComparison.Ordinal) && line.Contains(other.KeyPairId, StringComparison.Ordinal));
        Assert.DoesNotContain("ImportKeyPair", _cloud.Calls);
    }

    [Fact]
    public async Task IsolateAsync_EcdsaKeyIsNotImportable_StillRecordedAndTheReleaseSaysWhyItFailed()
    {
        _settings = _settings with { DeleteKeyPair = true };
        _cloud.AddInstance(InstanceId, VpcId).KeyName = _cloud.AddKeyPair("ops", "ecdsa-sha2-nistp256 AAAAE2VjZHNh").KeyName;
        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().ReleaseAsync(new(InstanceId), CancellationToken.None));

        Assert.Equal("key-pair", error.FailedStep);
        Assert.Contains("InvalidKey.Format", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IsolateAsync_NoPublicKeyFromEc2_KeyPairLeftAndTheStepFails()
    {
        _settings = _settings with { DeleteKeyPair = true };
        _cloud.KeyPairs["ops"] = new("key-1", "ops", "rsa", "aa:bb", PublicKey: null);
        _cloud.AddInstance(InstanceId, VpcId).KeyName = "ops";

        var error = await Assert.ThrowsAsync<IsolationFailedException>(() => CreateSut().IsolateAsync(Request(), CancellationToken.None));

        Assert.Equal(("key-pair", IsolationOutcome.Incomplete), (error.FailedStep, error.Result?.Outcome));
        Assert.True(_cloud.KeyPairs.ContainsKey("ops"));
    }

    private string? IsolationRecordAtDelete { get; set; }
}
