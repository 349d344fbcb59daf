namespace Ec2Isolation.Aws;

/// <summary>
/// Where and as whom to call AWS: the region, an optional named profile, and an optional endpoint
/// (an emulator such as moto; AWS_ENDPOINT_URL is honoured when this is null).
/// </summary>
public sealed record AwsConnection(string Region, string? EndpointUrl = null, string? Profile = null);
