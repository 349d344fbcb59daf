using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using System.Xml;
using System.Xml.Linq;
using Amazon.Runtime.Signing;
using Ec2Isolation.Core.Metrics;
using Polly;

namespace Ec2Isolation.Aws.Query;

/// <summary>
/// A small client for the AWS Query protocol (IAM, Auto Scaling, ELBv2), whose SDK packages are not available here:
/// a form-encoded POST per action, signed by the <see cref="SigV4SigningHandler"/> in the HttpClient's handler chain,
/// and an XML answer read with LINQ to XML (no reflection: Native AOT safe). Throttling, server errors and network
/// failures are retried with exponential backoff and jitter; any other error is thrown at once.
/// </summary>
public sealed class AwsQueryClient
{
    /// <summary>Attempts per action, the first included (<see cref="AwsRetry.MaxAttempts"/>).</summary>
    public const int MaxAttempts = AwsRetry.MaxAttempts;

    /// <summary>
    /// The error codes that mean "slow down" or "try again" rather than "this request is wrong". <c>DependencyThrottle</c>
    /// is Elastic Load Balancing's: a call it makes to another service on the request's behalf was throttled
    /// (https://docs.aws.amazon.com/elasticloadbalancing/2012-06-01/APIReference/API_DescribeLoadBalancers.html).
    /// </summary>
    private static readonly FrozenSet<string> RetryableCodes = FrozenSet.ToFrozenSet(
    [
        "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled",
        "ServiceUnavailable", "InternalFailure", "DependencyThrottle",
    ]);

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly string _version;
    private readonly ResiliencePipeline _retry;

    /// <param name="http">A client whose handler chain signs with SigV4 for this service (retries happen above it, so each attempt is signed afresh).</param>
    /// <param name="endpoint">The service endpoint the actions are posted to.</param>
    /// <param name="version">The API version, e.g. <c>2010-05-08</c> for IAM.</param>
    /// <param name="timeProvider">The clock of the backoff delays.</param>
    /// <param name="throttles">Hears of each throttled attempt.</param>
    public AwsQueryClient(HttpClient http, Uri endpoint, string version, TimeProvider timeProvider, IThrottleObserver? throttles = null)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        ArgumentException.ThrowIfNullOrEmpty(version);
        _version = version;
        _retry = AwsRetry.Create(timeProvider, new PredicateBuilder()
            .Handle<HttpRequestException>()
            .Handle<AwsQueryException>(e => (int)e.Status >= 500 || RetryableCodes.Contains(e.Code)),
            throttles,
            static e => (e as AwsQueryException)?.Code);
    }

    /// <summary>A client for one service with the factory's credentials, region and endpoint.</summary>
    public static AwsQueryClient Create(AwsClientFactory clients, QueryService service, TimeProvider? timeProvider = null) =>
        // Redirects must never be followed below the signer (SigV4SigningHandler's documentation); Query APIs do not redirect.
        Create(clients, service, timeProvider ?? TimeProvider.System, new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        });

    internal static AwsQueryClient Create(AwsClientFactory clients, QueryService service, TimeProvider timeProvider, HttpMessageHandler transport)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(service);
        var signer = new SigV4SigningHandler(clients.Credentials, service.SigningRegion(clients.Region), service.SigningName, transport);
        return new AwsQueryClient(
            new HttpClient(signer),
            clients.ResolveQueryEndpoint(service.EndpointPrefix, service.EnvironmentSuffix),
            service.Version,
            timeProvider,
            clients.Throttles);
    }

    /// <summary>
    /// Sends one action and returns its <c>{action}Result</c> element (an empty one for actions that answer none,
    /// such as PutRolePolicy), or throws <see cref="AwsQueryException"/>.
    /// </summary>
    public async Task<XElement> SendAsync(string action, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(action);
        ArgumentNullException.ThrowIfNull(parameters);
        KeyValuePair<string, string>[] form = [new("Action", action), new("Version", _version), .. parameters];
        return await _retry.ExecuteAsync(async token => await SendOnceAsync(action, form, token), cancellationToken);
    }

    /// <summary>Sends a list action page after page, passing each page's marker back, and yields every page's result.</summary>
    public async IAsyncEnumerable<XElement> SendPagedAsync(
        string action,
        IEnumerable<KeyValuePair<string, string>> parameters,
        QueryPaging paging,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(paging);
        var firstPage = parameters.ToArray();
        string? marker = null;
        do
        {
            var result = await SendAsync(
                action, marker is null ? firstPage : [.. firstPage, new(paging.RequestParameter, marker)], cancellationToken);
            yield return result;
            marker = result.ChildValue(paging.ResultElement);
        }
        while (!string.IsNullOrEmpty(marker));
    }

    private async Task<XElement> SendOnceAsync(string action, KeyValuePair<string, string>[] form, CancellationToken cancellationToken)
    {
        using var content = new FormUrlEncodedContent(form);
        using var response = await _http.PostAsync(_endpoint, content, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var root = TryParse(body);
        if (response.IsSuccessStatusCode && root is not null)
        {
            return root.Child(action + "Result") ?? new XElement(action + "Result");
        }

        // <ErrorResponse><Error> (IAM, Auto Scaling, ELBv2) or <Response><Errors><Error> (the EC2 style).
        var error = root?.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
        throw new AwsQueryException(
            error?.ChildValue("Code") ?? $"Http{(int)response.StatusCode}",
            error?.ChildValue("Message") ?? body[..Math.Min(body.Length, 200)],
            response.StatusCode);
    }

    private static XElement? TryParse(string body)
    {
        try
        {
            return XDocument.Parse(body).Root;
        }
        catch (XmlException)
        {
            // Not XML: a proxy's or an emulator's HTML error page.
            return null;
        }
    }
}
