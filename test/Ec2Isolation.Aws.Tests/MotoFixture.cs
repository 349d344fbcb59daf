using Ec2Isolation.TestSupport;

namespace Ec2Isolation.Aws.Tests;

/// <summary>One moto server for every integration test class of this assembly.</summary>
[CollectionDefinition(MotoTests.Collection)]
public sealed class MotoFixture : ICollectionFixture<MotoServer>;
