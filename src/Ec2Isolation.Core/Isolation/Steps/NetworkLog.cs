using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Isolation;

/// <summary>The network step's messages beyond the engine's own (event ids 1100-1119).</summary>
internal static partial class Log
{
    [LoggerMessage(1100, LogLevel.Information, "{InstanceId} has branch ENIs behind its trunk ENIs: {BranchInterfaceIds}")]
    public static partial void BranchInterfacesFound(ILogger logger, string instanceId, string branchInterfaceIds);

    [LoggerMessage(1101, LogLevel.Error, "The network of {InstanceId} may not be wholly contained: {Gaps}")]
    public static partial void NetworkGaps(ILogger logger, string instanceId, string gaps);
}
