using Amazon;
using Amazon.DynamoDBv2;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using Amazon.Runtime.Signing;
using Amazon.SecurityToken;
using Amazon.SimpleSystemsManagement;
using Ec2Isolation.Aws.Sts;
using Ec2Isolation.Aws.Throttling;
using Ec2Isolation.Core.Accounts;
using Ec2Isolation.Core.Metrics;

namespace Ec2Isolation.Aws;

/// <summary>
/// Builds every AWS client from one connection and one set of credentials, so that the SDK clients and the
/// signed Query client always talk to the same account, region and endpoint.
/// </summary>
public sealed class AwsClientFactory(AwsConnection connection, AWSCredentials credentials)
{
    /// <summary>Throttling comes in bursts during mass isolation; the standard mode backs off with jitter.</summary>
    public const int MaxErrorRetry = 8;

    public AwsConnection Connection { get; } = connection;

    public AWSCredentials Credentials { get; } = credentials;

    public RegionEndpoint Region { get; } = RegionEndpoint.GetBySystemName(connection.Region);

    /// <summary>Hears of every throttled attempt of the EC2, DynamoDB and Query clients (their retries go on as before); none: not counted.</summary>
    public IThrottleObserver? Throttles { get; init; }

    /// <summary>How long EC2's throttling is waited out (the Lambda invocation's deadline, when it has one).</summary>
    public Ec2.ThrottlePatience Ec2Patience { get; init; } = new(TimeProvider.System);

    /// <summary>Credentials from the named profile, or the SDK's default chain (environment, profile, container, instance).</summary>
    public static AWSCredentials ResolveCredentials(AwsConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (connection.Profile is null)
        {
            return DefaultAWSCredentialsIdentityResolver.GetCredentials();
        }

        return new CredentialProfileStoreChain().TryGetAWSCredentials(connection.Profile, out var credentials)
            ? credentials
            : throw new Core.InvalidRequestException($"AWS profile '{connection.Profile}' was not found in the shared config or credentials files.");
    }

    /// <summary>
    /// The same connection acting in a member account: its member role, assumed with these credentials on first use
    /// and refreshed before it expires.
    /// </summary>
    public AwsClientFactory ForMember(AccountSettings accounts, string accountId)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var roleArn = $"arn:{Region.PartitionName}:iam::{accountId}:role/{accounts.MemberRoleName}";
        return new AwsClientFactory(Connection, new AssumedRoleCredentials(CreateSts(), roleArn, Connection.RoleSessionName, accounts.ExternalId))
        {
            Throttles = Throttles,
            Ec2Patience = Ec2Patience,
        };
    }

    /// <summary>
    /// EC2, whose throttled calls give way inside <see cref="Core.Ports.Ec2Throttling.YieldScope"/>, are waited out
    /// elsewhere (<see cref="Ec2Patience"/>), and are reported to <see cref="Throttles"/> (<see cref="Ec2.ThrottleYieldingEc2Client"/>).
    /// </summary>
    public IAmazonEC2 CreateEc2() => new Ec2.ThrottleYieldingEc2Client(Credentials, Configure(new AmazonEC2Config()), Throttles, Ec2Patience);

    public IAmazonDynamoDB CreateDynamoDb() => Throttles is { } throttles
        ? new ObservedDynamoDbClient(Credentials, Configure(new AmazonDynamoDBConfig()), throttles)
        : new AmazonDynamoDBClient(Credentials, Configure(new AmazonDynamoDBConfig()));

    public IAmazonSecurityTokenService CreateSts() =>
        new AmazonSecurityTokenServiceClient(Credentials, Configure(new AmazonSecurityTokenServiceConfig()));

    /// <summary>SSM Parameter Store, for the notifiers' secrets.</summary>
    public IAmazonSimpleSystemsManagement CreateSsm() =>
        new AmazonSimpleSystemsManagementClient(Credentials, Configure(new AmazonSimpleSystemsManagementConfig()));

    /// <summary>
    /// An HttpClient whose requests are signed with SigV4 for <paramref name="signingName"/> in the factory's region, for
    /// the services without an SDK package here. Redirects are never followed below the signer
    /// (SigV4SigningHandler's documentation).
    /// </summary>
    public HttpClient CreateSignedHttpClient(string signingName) =>
        new(new SigV4SigningHandler(Credentials, Region, signingName, new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        }));

    /// <summary>
    /// The endpoint of a Query-protocol service with no SDK package here (iam, autoscaling, elasticloadbalancing):
    /// the connection's endpoint when set, then AWS_ENDPOINT_URL_{SERVICE} and AWS_ENDPOINT_URL, then AWS's own.
    /// </summary>
    public Uri ResolveQueryEndpoint(string endpointPrefix, string environmentSuffix)
    {
        var configured = Connection.EndpointUrl
            ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_" + environmentSuffix)
            ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
        if (configured is not null)
        {
            return new Uri(configured);
        }

        // IAM is global: one endpoint per partition.
        return (endpointPrefix, Region.PartitionName) switch
        {
            ("iam", "aws") => new Uri("https://iam.amazonaws.com/"),
            ("iam", "aws-us-gov") => new Uri("https://iam.us-gov.amazonaws.com/"),
            ("iam", "aws-cn") => new Uri("https://iam.cn-north-1.amazonaws.com.cn/"),
            _ => new Uri($"https://{endpointPrefix}.{Region.SystemName}.{Region.PartitionDnsSuffix}/"),
        };
    }

    private T Configure<T>(T config)
        where T : ClientConfig
    {
        config.RetryMode = RequestRetryMode.Standard;
        config.MaxErrorRetry = MaxErrorRetry;
        if (Connection.EndpointUrl is null)
        {
            config.RegionEndpoint = Region;
        }
        else
        {
            config.ServiceURL = Connection.EndpointUrl;
            config.AuthenticationRegion = Region.SystemName;
        }

        return config;
    }
}
