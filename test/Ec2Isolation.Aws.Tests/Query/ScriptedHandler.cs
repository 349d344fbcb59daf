using System.Net;
using System.Text;

namespace Ec2Isolation.Aws.Tests.Query;

/// <summary>
/// An HTTP endpoint in memory: answers attempt N (from 0) with <c>respond(N)</c>, which may also throw,
/// and records what each request carried.
/// </summary>
internal sealed class ScriptedHandler(Func<int, HttpResponseMessage> respond) : HttpMessageHandler
{
    public List<HttpRequestMessage> Requests { get; } = [];

    public List<string> Bodies { get; } = [];

    public int Attempts => Requests.Count;

    /// <summary>The Query protocol's XML answer, with an HTTP status.</summary>
    public static HttpResponseMessage Xml(string body, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "text/xml") };

    public static HttpResponseMessage Error(string code, HttpStatusCode status = HttpStatusCode.BadRequest) =>
        Xml($"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{code} happened</Message></Error></ErrorResponse>", status);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        Bodies.Add(request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken));
        return respond(Requests.Count - 1);
    }
}

/// <summary>Fires every timer at once and records the delays asked for, so that backoff costs a test no time.</summary>
internal sealed class ImmediateTimeProvider : TimeProvider
{
    public List<TimeSpan> Delays { get; } = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (Delays)
        {
            Delays.Add(dueTime);
        }

        return base.CreateTimer(callback, state, TimeSpan.Zero, period);
    }
}
