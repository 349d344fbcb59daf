using Ec2Isolation.Core.Configuration;
using Ec2Isolation.Core.Isolation;
using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Tests.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace Ec2Isolation.Core.Tests.Isolation.Steps;

public sealed class MetadataAndTrackingStepTests
{
    private const string InstanceId = "i-0123456789abcdef0";
    private const string VpcId = "vpc-1";

    private readonly FakeCloud _cloud = new();
    private IsolationSettings _settings = new() { TableName = "records", IsolationInstanceProfile = FakeCloud.IsolationProfileArn };

    private IsolationService CreateSut() => FakeAccounts.Service(_cloud, _settings, new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero)));

    private static IsolationRequest Request() => new(InstanceId, "test", "INC-16", "tester");

    [Fact]
    public async Task IsolateAsync_DefaultSettings_NeitherMetadataNorTrackingTouched()
    {
        _cloud.AddInstance(InstanceId, VpcId);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);

        Assert.DoesNotContain(_cloud.Calls, call => call.StartsWith("ModifyInstanceMetadataOptions", StringComparison.Ordinal)
            || call.Contains("tracking", StringComparison.Ordinal));
    }

    [Fact]
    public async Task IsolateThenRelease_MetadataDisabled_OffWhileIsolatedAndBackOnAfter()
    {
        _settings = _settings with { DisableMetadata = true };
        _cloud.AddInstance(InstanceId, VpcId);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        Assert.Equal("disabled", _cloud.MetadataEndpoints[InstanceId]);
        Assert.Equal("enabled", _cloud.StoredRecord(InstanceId)!.Artifacts.OriginalMetadataEndpoint);

        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);
        Assert.Equal("enabled", _cloud.MetadataEndpoints[InstanceId]);
    }

    [Fact]
    public async Task IsolateThenRelease_MetadataAlreadyOff_LeftOffAfterRelease()
    {
        _settings = _settings with { DisableMetadata = true };
        _cloud.AddInstance(InstanceId, VpcId);
        _cloud.MetadataEndpoints[InstanceId] = "disabled";

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);

        Assert.Equal("disabled", _cloud.MetadataEndpoints[InstanceId]);
        Assert.DoesNotContain(_cloud.Calls.SkipWhile(call => call != "ModifyInstanceMetadataOptions").Skip(1), call => call == "ModifyInstanceMetadataOptions");
    }

    [Fact]
    public async Task IsolateThenRelease_TrackingShortened_ShortestWhileIsolatedOriginalAfterAndNonNitroEniLeftAlone()
    {
        _settings = _settings with { ShortenConnectionTracking = true };
        var instance = _cloud.AddInstance(InstanceId, VpcId, enis: 2);
        _cloud.Tracking[instance.Enis[0]] = new ConnectionTracking(instance.Enis[0], 3600, 120, 30);
        _cloud.NonNitroEnis.Add(instance.Enis[1]);

        await CreateSut().IsolateAsync(Request(), CancellationToken.None);
        Assert.Equal(ConnectionTracking.Shortest(instance.Enis[0]), _cloud.Tracking[instance.Enis[0]]);
        Assert.False(_cloud.Tracking.ContainsKey(instance.Enis[1]));
        Assert.Equal([instance.Enis[0]], _cloud.StoredRecord(InstanceId)!.Artifacts.OriginalConnectionTracking.Select(t => t.NetworkInterfaceId));

        await CreateSut().ReleaseAsync(new ReleaseRequest(InstanceId, "releaser"), CancellationToken.None);
        Assert.Equal(new ConnectionTracking(instance.Enis[0], 3600, 120, 30), _cloud.Tracking[instance.Enis[0]]);
    }

    [Theory]
    [InlineData("EC2ISOLATION_NETWORK_ACL_CUT", "false", false, false, false)]
    [InlineData("EC2ISOLATION_DISABLE_METADATA", "true", true, true, false)]
    [InlineData("EC2ISOLATION_SHORTEN_CONNECTION_TRACKING", "true", true, false, true)]
    public void FromEnvironment_TrackedPathFlag_Read(string variable, string value, bool cut, bool metadata, bool tracking)
    {
        var settings = IsolationSettings.FromEnvironment(name => name == "EC2ISOLATION_TABLE" ? "records" : name == variable ? value : null);

        Assert.Equal((cut, metadata, tracking), (settings.CutTrackedPaths, settings.DisableMetadata, settings.ShortenConnectionTracking));
    }

    [Fact]
    public void FromEnvironment_TrackedPathFlagNotABoolean_NamedInTheError()
    {
        var error = Assert.Throws<InvalidRequestException>(() =>
            IsolationSettings.FromEnvironment(name => name == "EC2ISOLATION_TABLE" ? "records" : name == "EC2ISOLATION_NETWORK_ACL_CUT" ? "maybe" : null));

        Assert.Contains("EC2ISOLATION_NETWORK_ACL_CUT must be true or false, not 'maybe'", error.Message, StringComparison.Ordinal);
    }
}
