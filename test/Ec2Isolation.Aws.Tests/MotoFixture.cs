using Amazon.Runtime;
using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests;

/// <summary>One moto server for every integration test class of this assembly.</summary>
[CollectionDefinition(MotoTests.Collection)]
public sealed class MotoFixture : ICollectionFixture<MotoServer>
{
    /// <summary>A client factory pointed at the emulator with dummy credentials.</summary>
    public static AwsClientFactory ClientsFor(MotoServer moto) =>
        new(new AwsConnection(MotoServer.Region, moto.EndpointUrl), new BasicAWSCredentials("testing", "testing"));
}
