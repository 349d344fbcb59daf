using System.Xml.Linq;
using Amazon.EC2;
using Amazon.EC2.Model;
using Ec2Isolation.Aws.Query;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests.Query;

/// <summary>
/// What the Query adapters' emulator tests share: a reset moto, the signed Query clients (also used to set resources
/// up, which exercises them further), and an EC2 client for VPCs, subnets and instances.
/// Derived classes carry <c>[Collection(MotoTests.Collection)]</c> and the Integration trait themselves.
/// </summary>
public abstract class QueryMotoTests(MotoServer moto) : IAsyncLifetime
{
    /// <summary>moto does not check that an image exists.</summary>
    protected const string ImageId = "ami-12345678";

    protected AwsClientFactory Clients { get; } = moto.Clients();

    protected IAmazonEC2 Ec2 { get; } = moto.Clients().CreateEc2();

    public Task InitializeAsync() => moto.ResetAsync();

    public Task DisposeAsync()
    {
        Ec2.Dispose();
        return Task.CompletedTask;
    }

    protected AwsQueryClient Query(QueryService service) => AwsQueryClient.Create(Clients, service);

    /// <summary>Sends a set-up action with the query client itself and returns its result.</summary>
    protected Task<XElement> SetUpAsync(QueryService service, string action, IEnumerable<KeyValuePair<string, string>> parameters) =>
        Query(service).SendAsync(action, parameters, CancellationToken.None);

    /// <summary>A new VPC with one subnet.</summary>
    protected async Task<(string VpcId, string SubnetId)> CreateSubnetAsync(string cidr)
    {
        var vpc = await Ec2.CreateVpcAsync(new CreateVpcRequest { CidrBlock = cidr });
        var subnet = await Ec2.CreateSubnetAsync(new CreateSubnetRequest { VpcId = vpc.Vpc.VpcId, CidrBlock = cidr });
        return (vpc.Vpc.VpcId, subnet.Subnet.SubnetId);
    }

    /// <summary>A running instance in the subnet, launched in the NetworkInterfaces form (moto.md).</summary>
    protected async Task<string> RunInstanceAsync(string subnetId)
    {
        var response = await Ec2.RunInstancesAsync(new RunInstancesRequest
        {
            ImageId = ImageId,
            InstanceType = InstanceType.T3Micro,
            MinCount = 1,
            MaxCount = 1,
            NetworkInterfaces = [new InstanceNetworkInterfaceSpecification { DeviceIndex = 0, SubnetId = subnetId }],
        });
        return response.Reservation.Instances[0].InstanceId;
    }
}
