using Ec2Isolation.Core.Configuration;

namespace Ec2Isolation.Core.Tests.Configuration;

public sealed class ScanSettingsTests
{
    private static IsolationSettings Read(string? wait) => IsolationSettings.FromEnvironment(name => name switch
    {
        "EC2ISOLATION_TABLE" => "records",
        "EC2ISOLATION_INSPECTOR_WAIT_SECONDS" => wait,
        _ => null,
    });

    [Fact]
    public void FromEnvironment_WaitNotSet_FiveMinutes() => Assert.Equal(TimeSpan.FromMinutes(5), Read(null).InspectorWait);

    [Theory]
    [InlineData("0", 0)]
    [InlineData("900", 900)]
    [InlineData("3600", 3600)]
    public void FromEnvironment_WaitInRange_Read(string text, int seconds) => Assert.Equal(TimeSpan.FromSeconds(seconds), Read(text).InspectorWait);

    [Theory]
    [InlineData("-1")]
    [InlineData("3601")]
    [InlineData("5m")]
    public void FromEnvironment_WaitOutOfRange_ErrorNamesTheVariable(string text)
    {
        var error = Assert.Throws<InvalidRequestException>(() => Read(text));

        Assert.Contains($"EC2ISOLATION_INSPECTOR_WAIT_SECONDS must be a whole number of seconds from 0 to 3600, not '{text}'", error.Message, StringComparison.Ordinal);
    }
}
