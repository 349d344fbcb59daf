using Amazon;

namespace Ec2Isolation.Aws.Query;

/// <summary>What the Query client needs to know about one AWS Query-protocol service.</summary>
/// <param name="Version">The API version sent with every action.</param>
/// <param name="SigningName">The service name in the SigV4 credential scope.</param>
/// <param name="EndpointPrefix">The host prefix of AWS's own endpoint (<c>https://{prefix}.{region}.amazonaws.com</c>).</param>
/// <param name="EnvironmentSuffix">
/// The service id in <c>AWS_ENDPOINT_URL_{suffix}</c>: the SDK service id in upper case, spaces as underscores
/// (the AWS SDKs' "Identifiers for service-specific endpoints" table).
/// </param>
/// <param name="IsGlobal">A global service (IAM) signs for one region per partition (us-east-1 in aws), whatever the configured region.</param>
public sealed record QueryService(string Version, string SigningName, string EndpointPrefix, string EnvironmentSuffix, bool IsGlobal = false)
{
    public static QueryService Iam { get; } = new("2010-05-08", "iam", "iam", "IAM", IsGlobal: true);

    /// <summary>Service id "Auto Scaling": <c>AWS_ENDPOINT_URL_AUTO_SCALING</c>.</summary>
    public static QueryService AutoScaling { get; } = new("2011-01-01", "autoscaling", "autoscaling", "AUTO_SCALING");

    /// <summary>Service id "Elastic Load Balancing v2": <c>AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2</c>.</summary>
    public static QueryService ElasticLoadBalancingV2 { get; } =
        new("2015-12-01", "elasticloadbalancing", "elasticloadbalancing", "ELASTIC_LOAD_BALANCING_V2");

    /// <summary>
    /// Classic Load Balancers (service id "Elastic Load Balancing": <c>AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING</c>): the
    /// same endpoint and signing name as ELBv2, told apart by the API version.
    /// </summary>
    public static QueryService ElasticLoadBalancing { get; } =
        new("2012-06-01", "elasticloadbalancing", "elasticloadbalancing", "ELASTIC_LOAD_BALANCING");

    /// <summary>The region the requests are signed for: a global service signs for its partition's home region.</summary>
    public RegionEndpoint SigningRegion(RegionEndpoint region)
    {
        ArgumentNullException.ThrowIfNull(region);
        return !IsGlobal ? region : region.PartitionName switch
        {
            "aws" => RegionEndpoint.USEast1,
            "aws-cn" => RegionEndpoint.CNNorth1,
            "aws-us-gov" => RegionEndpoint.USGovCloudWest1,
            _ => region,
        };
    }
}
