using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Polly;
using Polly.Retry;

namespace Ec2Isolation.Aws.Notifications;

/// <summary>A notice that could not be delivered. Its message never holds a secret: it is logged and recorded.</summary>
public sealed class NotificationException(string message) : Exception(message);

/// <summary>
/// The HTTP the notifiers share: a JSON POST, retried with exponential backoff and jitter on 429, 5xx and network
/// failures, honouring Retry-After, at most <see cref="MaxAttempts"/> times (the notice's own timeout bounds it too).
/// Every failure becomes a <see cref="NotificationException"/> whose message has the given secrets cut out, and that
/// carries no inner exception (an <see cref="HttpRequestException"/>'s message can name the URL).
/// </summary>
public sealed class NotificationHttp : IDisposable
{
    public const int MaxAttempts = 4;

    /// <summary>The longest wait between attempts, whatever Retry-After asks.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    private const int MaxBodyInError = 300;
    private const string Redacted = "[redacted]";

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;

    public NotificationHttp(HttpClient http, TimeProvider time)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _retry = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .HandleResult(response => response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500),
                MaxRetryAttempts = MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = MaxDelay,
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
            })
            .Build();
    }

    /// <summary>A client of its own: no redirects followed (a redirect would carry the Authorization header elsewhere).</summary>
    public static NotificationHttp Create(TimeProvider time) =>
        new(new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) }), time);

    /// <summary>Posts <paramref name="json"/> to <paramref name="url"/>; returns the body of the successful answer.</summary>
    /// <param name="receiver">Who is called, for error messages (<c>slack</c>, <c>jira</c>).</param>
    /// <param name="secrets">What must never appear in an error: the URL, a token, an Authorization value.</param>
    public Task<string> PostJsonAsync(
        string receiver, Uri url, string json, AuthenticationHeaderValue? authorization, IReadOnlyCollection<string> secrets, CancellationToken cancellationToken) =>
        PostAsync(receiver, url, () => new StringContent(json, Encoding.UTF8, "application/json"), authorization, secrets, cancellationToken);

    /// <summary>Posts <paramref name="form"/> form-encoded (for APIs that take no JSON), as <see cref="PostJsonAsync"/> posts JSON.</summary>
    public Task<string> PostFormAsync(
        string receiver, Uri url, IReadOnlyList<KeyValuePair<string, string>> form, AuthenticationHeaderValue? authorization, IReadOnlyCollection<string> secrets,
        CancellationToken cancellationToken) =>
        PostAsync(receiver, url, () => new FormUrlEncodedContent(form), authorization, secrets, cancellationToken);

    private async Task<string> PostAsync(
        string receiver, Uri url, Func<HttpContent> content, AuthenticationHeaderValue? authorization, IReadOnlyCollection<string> secrets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        try
        {
            using var response = await _retry.ExecuteAsync(
                async token =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content() };
                    request.Headers.Authorization = authorization;
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                    return await _http.SendAsync(request, token);
                },
                cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return response.IsSuccessStatusCode
                ? body
                : throw new NotificationException(Redact(
                    $"{receiver} answered {(int)response.StatusCode} {response.ReasonPhrase}: {body[..Math.Min(body.Length, MaxBodyInError)]}", secrets));
        }
        catch (Exception e) when (e is not (NotificationException or OperationCanceledException))
        {
            throw new NotificationException(Redact($"{receiver} could not be reached: {e.Message}", secrets));
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Cuts every secret out of a message (secrets shorter than 8 characters would cut ordinary words: none is that short).</summary>
    public static string Redact(string message, IReadOnlyCollection<string> secrets) =>
        secrets.Where(secret => secret.Length >= 8).OrderByDescending(secret => secret.Length)
            .Aggregate(message, (text, secret) => text.Replace(secret, Redacted, StringComparison.Ordinal));

    /// <summary>Retry-After as a delay or a date, capped at <see cref="MaxDelay"/>; null (the backoff) when absent.</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        var wait = response?.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - _time.GetUtcNow(),
            _ => (TimeSpan?)null,
        };
        return wait is { } value ? TimeSpan.FromTicks(Math.Clamp(value.Ticks, 0, MaxDelay.Ticks)) : null;
    }
}
