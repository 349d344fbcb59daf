using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Core.Tests.Fakes;

/// <summary>
/// Amazon Inspector as the replacement scan sees it: whether EC2 scanning is on, each instance's coverage over time, its
/// findings, and the refusal a caller without inspector2 permissions gets.
/// </summary>
internal sealed partial class FakeCloud : IVulnerabilityScanner
{
    private readonly Dictionary<string, int> _coverageReads = [];

    /// <summary>BatchGetAccountStatus's resourceState.ec2.status is ENABLED.</summary>
    public bool InspectorScansEc2 { get; set; } = true;

    /// <summary>
    /// What ListCoverage answers for an instance at each read, the last one again after (null: not listed at all). Coverage
    /// comes minutes after launch: the instance must first be managed by SSM
    /// (https://docs.aws.amazon.com/inspector/latest/user/scanning-ec2.html).
    /// </summary>
    public Dictionary<string, List<InstanceCoverage?>> InspectorCoverage { get; } = [];

    public Dictionary<string, List<VulnerabilityFinding>> InspectorFindings { get; } = [];

    /// <summary>
    /// Set: every Inspector call is refused with it, as Inspector answers AccessDeniedException (HTTP 403) to a caller
    /// without the action (https://docs.aws.amazon.com/inspector/v2/APIReference/API_ListCoverage.html#API_ListCoverage_Errors).
    /// </summary>
    public string? InspectorRefusal { get; set; }

    public Task<bool> IsEc2ScanningEnabledAsync(CancellationToken cancellationToken) =>
        Call("BatchGetAccountStatus", () => Inspector(() => InspectorScansEc2));

    public Task<InstanceCoverage?> GetCoverageAsync(string instanceId, CancellationToken cancellationToken) =>
        Call("ListCoverage", () => Inspector(() =>
        {
            if (!InspectorCoverage.TryGetValue(instanceId, out var answers) || answers.Count == 0)
            {
                return null;
            }

            var read = _coverageReads[instanceId] = _coverageReads.GetValueOrDefault(instanceId) + 1;
            return answers[Math.Min(read, answers.Count) - 1];
        }));

    public Task<IReadOnlyList<VulnerabilityFinding>> ListFindingsAsync(string instanceId, CancellationToken cancellationToken) =>
        Call("ListFindings", () => Inspector(() => (IReadOnlyList<VulnerabilityFinding>)[.. InspectorFindings.GetValueOrDefault(instanceId) ?? []]));

    private T Inspector<T>(Func<T> answer) =>
        InspectorRefusal is { } refusal ? throw new VulnerabilityScanException(refusal) : answer();
}
