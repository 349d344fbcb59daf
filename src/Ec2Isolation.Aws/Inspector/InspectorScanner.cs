using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Ec2Isolation.Aws.Organizations;
using Ec2Isolation.Core.Ports;

namespace Ec2Isolation.Aws.Inspector;

/// <summary>
/// Amazon Inspector (v2) over its REST-JSON API (no AWSSDK.Inspector2 package here), signed for <c>inspector2</c>:
/// BatchGetAccountStatus (POST /status/batch/get), ListCoverage (POST /coverage/list) and ListFindings
/// (POST /findings/list), each filtered on the one instance
/// (https://docs.aws.amazon.com/inspector/v2/APIReference/API_Operations.html). List results come in pages that may be
/// empty yet carry a nextToken, so every page is read. Refusals become <see cref="VulnerabilityScanException"/>.
/// </summary>
public sealed class InspectorScanner(AwsJsonClient client) : IVulnerabilityScanner
{
    /// <summary>The signing name, endpoint prefix (<c>inspector2.{region}.amazonaws.com</c>) and AWS_ENDPOINT_URL_INSPECTOR2 suffix.</summary>
    public const string ServiceName = "inspector2";

    /// <summary>
    /// Page size: ListFindings accepts 1 to 100, ListCoverage 1 to 200
    /// (https://docs.aws.amazon.com/inspector/v2/APIReference/API_ListFindings.html,
    /// https://docs.aws.amazon.com/inspector/v2/APIReference/API_ListCoverage.html); a larger one is a ValidationException.
    /// </summary>
    public const int PageSize = 100;

    /// <summary>A scanner with the factory's credentials, region and endpoint.</summary>
    public static InspectorScanner Create(AwsClientFactory clients, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(clients);
        return new InspectorScanner(AwsJsonClient.ForRestJson(
            clients.CreateSignedHttpClient(ServiceName), clients.ResolveQueryEndpoint(ServiceName, "INSPECTOR2"), time));
    }

    /// <summary>
    /// The caller's own account when no accountIds are sent; enabled for EC2 when its resourceState.ec2.status is ENABLED
    /// (https://docs.aws.amazon.com/inspector/v2/APIReference/API_BatchGetAccountStatus.html, API_ResourceState.html).
    /// </summary>
    public async Task<bool> IsEc2ScanningEnabledAsync(CancellationToken cancellationToken)
    {
        using var answer = await SendAsync("status/batch/get", _ => { }, cancellationToken);
        var root = answer.RootElement;
        if (root.TryGetProperty("failedAccounts", out var failed) && failed.ValueKind == JsonValueKind.Array && failed.GetArrayLength() > 0)
        {
            var first = failed[0];
            throw new VulnerabilityScanException(
                $"{Text(first, "errorCode") ?? "failed"}: {Text(first, "errorMessage") ?? "BatchGetAccountStatus could not read this account's status."}");
        }

        return Items(root, "accounts").Any(account =>
            account.TryGetProperty("resourceState", out var state) && state.TryGetProperty("ec2", out var ec2) && Text(ec2, "status") == "ENABLED");
    }

    public async Task<InstanceCoverage?> GetCoverageAsync(string instanceId, CancellationToken cancellationToken)
    {
        await foreach (var resource in ListAsync("coverage/list", "coveredResources", json =>
        {
            json.WritePropertyName("filterCriteria");
            json.WriteStartObject();
            Equals(json, "resourceId", instanceId);
            Equals(json, "resourceType", "AWS_EC2_INSTANCE");
            json.WriteEndObject();
        }, cancellationToken))
        {
            if (Text(resource, "resourceId") != instanceId)
            {
                continue;
            }

            var status = resource.TryGetProperty("scanStatus", out var s) ? s : default;
            return new InstanceCoverage(
                status.ValueKind == JsonValueKind.Object ? Text(status, "statusCode") ?? "UNKNOWN" : "UNKNOWN",
                status.ValueKind == JsonValueKind.Object ? Text(status, "reason") : null,
                Timestamp(resource, "lastScannedAt"));
        }

        return null;
    }

    public async Task<IReadOnlyList<VulnerabilityFinding>> ListFindingsAsync(string instanceId, CancellationToken cancellationToken)
    {
        var findings = new List<VulnerabilityFinding>();
        await foreach (var finding in ListAsync("findings/list", "findings", json =>
        {
            json.WritePropertyName("filterCriteria");
            json.WriteStartObject();
            Equals(json, "resourceId", instanceId);
            Equals(json, "findingStatus", "ACTIVE");
            json.WriteEndObject();
        }, cancellationToken))
        {
            findings.Add(new VulnerabilityFinding(
                Text(finding, "severity") ?? "UNTRIAGED",
                Text(finding, "title") ?? "(untitled)",
                finding.TryGetProperty("packageVulnerabilityDetails", out var package) ? Text(package, "vulnerabilityId") : null));
        }

        return findings;
    }

    /// <summary>Every item of every page, following nextToken.</summary>
    private async IAsyncEnumerable<JsonElement> ListAsync(
        string path, string itemsMember, Action<Utf8JsonWriter> filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? token = null;
        do
        {
            var page = token;
            using var answer = await SendAsync(path, json =>
            {
                filter(json);
                json.WriteNumber("maxResults", PageSize);
                if (page is not null)
                {
                    json.WriteString("nextToken", page);
                }
            }, cancellationToken);
            foreach (var item in Items(answer.RootElement, itemsMember))
            {
                yield return item.Clone();
            }

            token = Text(answer.RootElement, "nextToken");
        }
        while (!string.IsNullOrEmpty(token));
    }

    private async Task<JsonDocument> SendAsync(string path, Action<Utf8JsonWriter> request, CancellationToken cancellationToken)
    {
        try
        {
            return await client.SendAsync(path, request, cancellationToken);
        }
        catch (AwsJsonException e)
        {
            // AccessDeniedException (403), ValidationException (400), ThrottlingException (429) past the retries,
            // InternalServerException (500) past the retries (API_ListCoverage.html#API_ListCoverage_Errors).
            throw new VulnerabilityScanException(e.Message, e);
        }
        catch (HttpRequestException e)
        {
            throw new VulnerabilityScanException($"Amazon Inspector could not be reached: {e.Message}", e);
        }
    }

    /// <summary>A string filter: <c>"name": [{"comparison": "EQUALS", "value": value}]</c>.</summary>
    private static void Equals(Utf8JsonWriter json, string name, string value)
    {
        json.WritePropertyName(name);
        json.WriteStartArray();
        json.WriteStartObject();
        json.WriteString("comparison", "EQUALS");
        json.WriteString("value", value);
        json.WriteEndObject();
        json.WriteEndArray();
    }

    private static JsonElement[] Items(JsonElement root, string member) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(member, out var items) && items.ValueKind == JsonValueKind.Array
            ? [.. items.EnumerateArray()]
            : [];

    private static string? Text(JsonElement element, string member) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(member, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>REST-JSON timestamps are epoch seconds (a number, maybe fractional); an ISO string is read too.</summary>
    private static DateTimeOffset? Timestamp(JsonElement element, string member) =>
        !element.TryGetProperty(member, out var value) ? null : value.ValueKind switch
        {
            JsonValueKind.Number => DateTimeOffset.FromUnixTimeMilliseconds((long)(value.GetDouble() * 1000)),
            JsonValueKind.String when DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) => at,
            _ => null,
        };
}
