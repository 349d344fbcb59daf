using Ec2Isolation.Core.Model;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Isolation.Steps;

/// <summary>
/// Takes the instance out of every Classic Load Balancer that listed it, so that it receives no more user traffic and
/// no more health checks keep it InService. With connection draining on, the load balancer lets in-flight requests
/// finish (up to its timeout, 300 s by default) but sends no new ones:
/// https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/config-conn-drain.html
/// </summary>
internal sealed class ClassicLoadBalancersStep : IIsolationStep
{
    public string Name => StepNames.ClassicLoadBalancers;

    public async Task ApplyAsync(RunContext context, CancellationToken cancellationToken) =>
        await Task.WhenAll((await context.RecordedAttachmentsAsync(AttachmentParts.ClassicLoadBalancers, cancellationToken)).ClassicLoadBalancers!.Select(name =>
            context.Apis.ClassicLoadBalancing.DeregisterAsync(name, context.InstanceId, cancellationToken)));

    /// <summary>
    /// Load balancers never recorded were never changed: nothing to restore. A load balancer deleted since is listed as
    /// not restored. A Classic Load Balancer registers a running instance only
    /// (<see cref="InstanceCapabilities.AcceptsClassicLoadBalancerRegistration"/>): on any other, nothing is registered
    /// and the step fails, saying which load balancers wait for the instance to run.
    /// </summary>
    public async Task RestoreAsync(RunContext context, CancellationToken cancellationToken)
    {
        var names = context.Record.Original.Attachments?.ClassicLoadBalancers ?? [];
        if (names.Count == 0)
        {
            return;
        }

        if (!InstanceCapabilities.Of(context.Instance).AcceptsClassicLoadBalancerRegistration)
        {
            throw new InvalidOperationException(
                $"{context.InstanceId} is {context.Instance.State}, and a Classic Load Balancer registers an instance only while it runs: start it, then release again "
                + $"to register it with {string.Join(", ", names)}.");
        }

        await Task.WhenAll(names.Select(async name =>
        {
            try
            {
                await context.Apis.ClassicLoadBalancing.RegisterAsync(name, context.InstanceId, cancellationToken);
            }
            catch (ResourceGoneException)
            {
                context.NotRestored($"Classic Load Balancer {name} no longer exists; the instance was not registered with it again.");
            }
        }));
    }
}
