using Ec2Isolation.Core.Isolation.Steps;
using Ec2Isolation.Core.Model;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Approvals;

/// <summary>
/// A handed-off isolation that failed says so at once, where the approver looks: the Slack message (through the click's
/// <c>response_url</c>) and the request's ticket. Only shown: the request stays "decided, not acted on", the invocation
/// still fails (Lambda retries it), and the sweep finishes what the retries do not.
/// </summary>
public sealed partial class ApprovalService
{
    /// <summary>
    /// The longest the failure report may take (reading the record, the Slack update, the ticket comment): the invocation
    /// fails after it either way, and its retry must not wait behind a slow Slack.
    /// </summary>
    public static readonly TimeSpan FailureReportTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Tells the approver that the isolation of an approved request did not complete: who approved, the error, what the
    /// isolation record says holds, and that the retry or the sweep finishes it. Never throws (the caller rethrows the
    /// isolation's error, which this report must never hide), and records nothing: the decision stays unacted for the
    /// retry and the sweep.
    /// </summary>
    /// <param name="responseUrl">
    /// The click's <c>response_url</c>: Slack accepts up to 5 uses within 30 minutes
    /// (https://docs.slack.dev/interactivity/handling-user-interaction#message_responses). A run and Lambda's two retries
    /// (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html) use at most 3, the result a 4th.
    /// </param>
    public async Task ReportNotIsolatedAsync(ApprovalRequest request, Exception error, Uri? responseUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(error);
        using var bounded = new CancellationTokenSource(FailureReportTimeout, time);
        using var token = CancellationTokenSource.CreateLinkedTokenSource(bounded.Token, cancellationToken);
        try
        {
            var holds = (error as IsolationFailedException)?.Result?.Record is { } record
                ? WhatHolds(record, settings.CutTrackedPaths)
                : await WhatHoldsNowAsync(request, token.Token);
            // What holds before the error: Slack cuts a long section, and an error can be long (several steps' AWS messages).
            var text = $"Approved by {request.DecidedBy} at {Time(request.DecidedAt!.Value)}, but the isolation did not complete. "
                + $"The isolation record says: {holds}. The approval stands: the failed run is retried within minutes, "
                + $"and the sweep finishes the isolation if the retries fail too. The error: {error.Message}";
            if (responseUrl is not null)
            {
                await ShowAsync(request, text, responseUrl, token.Token);
            }

            await CommentAsync(request, $"Isolation of {request.InstanceId} on approval did not complete", text, token.Token);
        }
#pragma warning disable CA1031 // The isolation's error is what the invocation must fail with; this report's own failure is logged.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogFailureNotReported(logger, request.RequestId, request.InstanceId, e.Message);
        }
    }

    /// <summary>
    /// What an isolation record says holds, for people: whether the network is contained (the security groups, and, when
    /// the deployment cuts them, the flows AWS always tracks), and the steps completed.
    /// </summary>
    internal static string WhatHolds(IsolationRecord? record, bool cutTrackedPaths)
    {
        if (record is null)
        {
            return "no isolation was started, nothing was changed on the instance";
        }

        var completed = record.CompletedSteps.Count == 0 ? "none" : string.Join(", ", record.CompletedSteps);
        var network = (record.CompletedSteps.Contains(StepNames.Network), record.CompletedSteps.Contains(StepNames.NetworkAclCut)) switch
        {
            (false, _) => "network NOT yet contained",
            (true, false) when cutTrackedPaths => "security groups contained, but the flows AWS always tracks (NAT gateway and the like) NOT yet cut",
            _ => "network contained",
        };
        return $"{network}; steps completed: {completed}";
    }

    /// <summary>What the instance's isolation record says holds now; a record that cannot be read is said so, not thrown.</summary>
    private async Task<string> WhatHoldsNowAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var services = await accounts.ForAsync(request.AccountId, request.Region, cancellationToken);
            return WhatHolds(await services.Isolation.GetStatusAsync(request.InstanceId, cancellationToken), settings.CutTrackedPaths);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return $"unknown (the record could not be read: {e.Message})";
        }
    }

    [LoggerMessage(2107, LogLevel.Warning, "The failed isolation of approval request {RequestId} for {InstanceId} could not be shown in Slack or on its ticket: {Why}")]
    private static partial void LogFailureNotReported(ILogger logger, string requestId, string instanceId, string why);
}
