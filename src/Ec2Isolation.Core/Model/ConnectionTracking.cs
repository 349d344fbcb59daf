namespace Ec2Isolation.Core.Model;

/// <summary>
/// An ENI's connection tracking idle timeouts in seconds (ModifyNetworkInterfaceAttribute ConnectionTrackingSpecification,
/// Nitro only); null where EC2 reports none (its default applies).
/// </summary>
public sealed record ConnectionTracking(string NetworkInterfaceId, int? TcpEstablishedTimeout, int? UdpStreamTimeout, int? UdpTimeout)
{
    /// <summary>
    /// The shortest idle timeouts EC2 accepts: TCP established 60-432000 s, UDP stream 60-180 s, UDP 30-60 s
    /// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html#connection-tracking-timeouts).
    /// </summary>
    public static ConnectionTracking Shortest(string networkInterfaceId) => new(networkInterfaceId, 60, 60, 30);

    /// <summary>EC2's defaults, put back when the original had none reported: TCP established 432000 s, UDP stream 180 s, UDP 30 s.</summary>
    public ConnectionTracking WithDefaults() => this with
    {
        TcpEstablishedTimeout = TcpEstablishedTimeout ?? 432000,
        UdpStreamTimeout = UdpStreamTimeout ?? 180,
        UdpTimeout = UdpTimeout ?? 30,
    };
}
