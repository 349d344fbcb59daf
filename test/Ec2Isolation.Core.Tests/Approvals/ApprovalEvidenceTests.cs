using Ec2Isolation.Core.Approvals;
using Ec2Isolation.Core.Events;
using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Tests.Approvals;

/// <summary>The evidence an approval request carries: the load balancers and target groups that send the instance traffic.</summary>
public sealed class ApprovalEvidenceTests
{
    private const string Alb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-alb/50dc6c495c0c9188";
    private const string Web = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-http/73e2d6bc24d8a067";
    private const string Health = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-health/83e2d6bc24d8a068";

    private readonly ApprovalFixture _fixture = new();

    [Fact]
    public async Task HandleAsync_InstanceInTwoTargetGroupsOfOneAlb_BothGroupsAndTheLoadBalancerShown()
    {
        Register(Web, 80);
        Register(Health, 8080);

        await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));

        var evidence = Assert.Single(_fixture.Channel.Requests).Evidence;
        Assert.Equal("web-alb", evidence["Load balancers"]);
        Assert.Equal("web-http, web-health", evidence["Target groups"]);
        Assert.Equal(evidence, _fixture.Stored.Evidence);
    }

    [Fact]
    public async Task ClickAsync_ApprovedRequestThatShowedLoadBalancers_RecordsThemWithTheDecision()
    {
        Register(Web, 80);
        await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));

        await _fixture.ClickAsync(SlackInteractionEndpoint.ApproveAction);

        Assert.Equal("web-alb", Assert.Single(_fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId)!.Approvals).LoadBalancers);
    }

    [Fact]
    public async Task HandleAsync_LoadBalancerLookupRefused_RequestPostedWithLoadBalancersUnknown()
    {
        Register(Web, 80);
        _fixture.Cloud.BeforeCall = call =>
        {
            if (call == "DescribeTargetGroups")
            {
                throw new InvalidOperationException("AccessDenied: elasticloadbalancing:DescribeTargetGroups");
            }
        };

        var result = await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));

        Assert.Equal(Outcomes.ApprovalRequested, result.Action);
        var evidence = Assert.Single(_fixture.Channel.Requests).Evidence;
        Assert.StartsWith(ApprovalService.Unknown + " (", evidence["Load balancers"], StringComparison.Ordinal);
        Assert.Contains("AccessDenied", evidence["Load balancers"], StringComparison.Ordinal);
        Assert.Equal("web-1", evidence["Name"]);
        Assert.DoesNotContain("Target groups", evidence.Keys);
        Assert.Empty(_fixture.Cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_InstanceBehindAnAlbAndAClassicLoadBalancer_BothShownAndRecordedWithTheDecision()
    {
        Register(Web, 80);
        _fixture.Cloud.ClassicLoadBalancers["legacy-web"] = [ApprovalFixture.InstanceId];
        _fixture.Cloud.ClassicLoadBalancers["other"] = ["i-0fedcba9876543210"];

        await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));
        await _fixture.ClickAsync(SlackInteractionEndpoint.ApproveAction);

        Assert.Equal("web-alb, legacy-web (Classic)", _fixture.Stored.Evidence["Load balancers"]);
        Assert.Equal("web-alb, legacy-web (Classic)", Assert.Single(_fixture.Cloud.StoredRecord(ApprovalFixture.InstanceId)!.Approvals).LoadBalancers);
    }

    [Fact]
    public async Task HandleAsync_ClassicLookupRefused_UnknownWithWhatTheElbv2LookupFound()
    {
        Register(Web, 80);
        _fixture.Cloud.BeforeCall = call =>
        {
            if (call == "DescribeLoadBalancers")
            {
                throw new InvalidOperationException("AccessDenied: elasticloadbalancing:DescribeLoadBalancers");
            }
        };

        var result = await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));

        Assert.Equal(Outcomes.ApprovalRequested, result.Action);
        Assert.Equal(
            $"{ApprovalService.Unknown} (the Classic Load Balancer lookup failed: AccessDenied: elasticloadbalancing:DescribeLoadBalancers; found: web-alb)",
            Assert.Single(_fixture.Channel.Requests).Evidence["Load balancers"]);
        Assert.Empty(_fixture.Cloud.Mutations);
    }

    [Fact]
    public async Task HandleAsync_InstanceInNoTargetGroup_LoadBalancersNone()
    {
        await _fixture.HandleAsync(ApprovalFixture.Finding(5.5));

        var evidence = Assert.Single(_fixture.Channel.Requests).Evidence;
        Assert.Equal("none", evidence["Load balancers"]);
        Assert.DoesNotContain("Target groups", evidence.Keys);
    }

    [Fact]
    public async Task HandleAsync_FindingInANotifyingBand_LoadBalancersLookedUpButNothingChanged()
    {
        Register(Web, 80);

        await _fixture.HandleAsync(ApprovalFixture.Finding(2.0));

        Assert.Single(_fixture.Channel.Notices);
        Assert.Contains("DescribeTargetGroups", _fixture.Cloud.Calls);
        Assert.Empty(_fixture.Cloud.Mutations);
    }

    private void Register(string targetGroupArn, int port)
    {
        _fixture.Cloud.Targets.Add((ApprovalFixture.InstanceId, new TargetRegistration(targetGroupArn, port, AvailabilityZone: null)));
        _fixture.Cloud.TargetGroupLoadBalancers[targetGroupArn] = [Alb];
    }
}
