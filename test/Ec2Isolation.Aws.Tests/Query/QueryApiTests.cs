using Ec2Isolation.Aws.Query;
using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Aws.Tests.Query;

/// <summary>The parameters the adapters send, where the emulator cannot tell.</summary>
public sealed class QueryApiTests
{
    [Theory]
    [InlineData("web-profile", "web-profile")]
    [InlineData("arn:aws:iam::123456789012:instance-profile/web-profile", "web-profile")]
    [InlineData("arn:aws:iam::123456789012:instance-profile/team/a/web-profile", "web-profile")]
    public void ProfileName_NameOrArn_ReturnsTheName(string nameOrArn, string expected) =>
        Assert.Equal(expected, QueryIamApi.ProfileName(nameOrArn));

    [Theory]
    [InlineData(null, null, "")]
    [InlineData(8080, null, "&Targets.member.1.Port=8080")]
    [InlineData(8080, "us-east-1a", "&Targets.member.1.Port=8080&Targets.member.1.AvailabilityZone=us-east-1a")]
    public async Task RegisterAsync_Registration_SendsOnlyTheKnownTargetFields(int? port, string? zone, string expectedTail)
    {
        var handler = new ScriptedHandler(_ => ScriptedHandler.Xml("<RegisterTargetsResponse><RegisterTargetsResult/></RegisterTargetsResponse>"));
        var api = new QueryLoadBalancingApi(new AwsQueryClient(new HttpClient(handler), new Uri("https://elb.test/"), "2015-12-01", TimeProvider.System));

        await api.RegisterAsync("i-1", new TargetRegistration("arn:tg", port, zone), CancellationToken.None);

        Assert.Equal("Action=RegisterTargets&Version=2015-12-01&TargetGroupArn=arn%3Atg&Targets.member.1.Id=i-1" + expectedTail, handler.Bodies[0]);
    }
}
