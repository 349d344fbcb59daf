namespace Ec2Isolation.Aws;

/// <summary>
/// Where and as whom to call AWS: the region, an optional named profile, and an optional endpoint
/// (an emulator such as moto; AWS_ENDPOINT_URL is honoured when this is null).
/// </summary>
/// <param name="RoleSessionName">Names the sessions of member roles in the members' CloudTrail: which entry point acted.</param>
public sealed record AwsConnection(string Region, string? EndpointUrl = null, string? Profile = null, string RoleSessionName = "ec2-isolation");
