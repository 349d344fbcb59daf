namespace Ec2Isolation.Lambda.Tests;

/// <summary>
/// Test classes that run <see cref="LambdaFunction"/>: each invocation sets the process-wide _X_AMZN_TRACE_ID,
/// so they run one after the other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class LoopTests
{
    public const string Name = "Lambda loop";
}
