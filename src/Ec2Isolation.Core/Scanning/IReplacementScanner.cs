using Ec2Isolation.Core.Model;

namespace Ec2Isolation.Core.Scanning;

/// <summary>
/// Reads Amazon Inspector's findings on the latest replacement of an isolated instance (the CLI's <c>scan</c>, and
/// <c>replace</c> after a launch), records the summary and sends it to the ticket and the chat. Inspector not enabled,
/// no coverage within the wait, or a refusal: the summary says "not scanned" and why. A record another run holds is
/// not written (<see cref="ScanResult.NotRecorded"/> says so); bad input (<see cref="InvalidRequestException"/>) and a
/// failed write throw.
/// </summary>
public interface IReplacementScanner
{
    Task<ScanResult> ScanAsync(ScanRequest request, CancellationToken cancellationToken);
}

/// <param name="InstanceId">The isolated instance whose latest replacement is scanned.</param>
/// <param name="Wait">How long to wait for Inspector to cover and scan the replacement (zero: look once); null: the setting.</param>
public sealed record ScanRequest(string InstanceId, TimeSpan? Wait = null);

/// <param name="Summary">What Inspector said.</param>
/// <param name="NotRecorded">Why the summary is not in the record (another run held it); null when it is.</param>
public sealed record ScanResult(string InstanceId, ScanSummary Summary, string? NotRecorded = null)
{
    public string Message => NotRecorded is null ? Summary.Describe() : $"{Summary.Describe()} (not recorded: {NotRecorded})";
}
