using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Tests.Model;

public sealed class TargetGroupMembershipTests
{
    [Theory]
    [InlineData("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-alb/50dc6c495c0c9188", "web-alb")]
    [InlineData("arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:loadbalancer/net/tcp-nlb/1234567890abcdef", "tcp-nlb")]
    [InlineData("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/gwy/inspection/1234567890abcdef", "inspection")]
    [InlineData("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/classic-name", "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/classic-name")]
    [InlineData("not-an-arn", "not-an-arn")]
    public void LoadBalancerName_Arn_NameOrTheWholeArn(string arn, string expected) =>
        Assert.Equal(expected, TargetGroupMembership.LoadBalancerName(arn));
}
