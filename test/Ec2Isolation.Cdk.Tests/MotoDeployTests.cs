using System.Text.Json.Nodes;
using Ec2Isolation.TestSupport;
using Xunit.Abstractions;

namespace Ec2Isolation.Cdk.Tests;

/// <summary>
/// A smoke test that proves little: moto's CloudFormation accepts types it does not model and drops properties. Of
/// these templates it does not create AWS::SQS::QueuePolicy (so no TLS-only policy), AWS::CloudWatch::Alarm,
/// AWS::Lambda::EventInvokeConfig, AWS::SNS::Subscription nor AWS::CDK::Metadata; it models AWS::Lambda::Permission
/// loosely (no physical id), and drops the table's point-in-time recovery and encryption and the function's logging
/// configuration. It does create the roles with their path and inline policies, the rules with their exact patterns,
/// retry policies and dead-letter queues, the function with its environment and reserved concurrency, the encrypted
/// queues, the log group's retention and the topic. cfn-lint (<see cref="CfnLintTests"/>) is the validity check.
/// </summary>
[Collection(SynthesizedStacks.Collection)]
public sealed class MotoDeployTests(SynthesizedStacks stacks, MotoServer moto, ITestOutputHelper output) : IClassFixture<MotoServer>
{
    [Fact]
    [Trait("Category", "Integration")]
    public async Task Deploy_EveryStack_IsCreated()
    {
        // boto3 comes with moto; AWSSDK.CloudFormation is not served here. The script bootstraps, uploads the assets and
        // creates one stack per stack of the assembly, as `cdk deploy --all` would.
        var script = Path.Combine(AppContext.BaseDirectory, "deploy_to_moto.py");
        var (exitCode, deployed) = await BootstrapProcess.RunAsync("python3", [script, moto.EndpointUrl, stacks.AssemblyFolder], TimeSpan.FromMinutes(3));
        output.WriteLine(deployed);

        Assert.True(exitCode == 0, deployed);
        var results = deployed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!).ToList();
        Assert.Equal(["Ec2Isolation", "Ec2Isolation-eu-west-1", "Ec2Isolation-us-west-2"], results.Select(stack => (string?)stack["name"]).Order());
        foreach (var stack in results)
        {
            Assert.Equal("CREATE_COMPLETE", (string?)stack["status"]);
            var resources = stack["resources"]!.AsArray().Select(r => (string)r!).ToList();
            Assert.All(resources, resource => Assert.EndsWith(" CREATE_COMPLETE", resource, StringComparison.Ordinal));
            Assert.Contains(resources, resource => resource.Contains(" AWS::Lambda::Function ", StringComparison.Ordinal));
            var template = (string?)stack["name"] switch
            {
                "Ec2Isolation" => stacks.Defaults,
                "Ec2Isolation-eu-west-1" => stacks.Configured,
                _ => stacks.ExistingTopic,
            };
            Assert.Equal(template.Resources("AWS::Events::Rule").Count, resources.Count(resource => resource.Contains(" AWS::Events::Rule ", StringComparison.Ordinal)));
        }
    }
}
