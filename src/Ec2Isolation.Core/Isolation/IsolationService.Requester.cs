using Ec2Isolation.Core.Ports;
using Microsoft.Extensions.Logging;

namespace Ec2Isolation.Core.Isolation;

/// <summary>Who asked for an isolation a tag-change event started: the Tag Change event does not say, CloudTrail's CreateTags does.</summary>
public sealed partial class IsolationService
{
    public async Task<RequesterNaming> NameRequesterAsync(string instanceId, string requestedBy, string placeholderPrefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requestedBy);
        ArgumentNullException.ThrowIfNull(placeholderPrefix);
        var record = await apis.Records.GetAsync(InstanceIds.Validate(instanceId), cancellationToken);
        if (record is null)
        {
            return new(RequesterNamingOutcome.NoRecord, null);
        }

        if (!record.RequestedBy.StartsWith(placeholderPrefix, StringComparison.Ordinal))
        {
            return new(RequesterNamingOutcome.AlreadyNamed, record);
        }

        var now = time.GetUtcNow();
        if (record is { LeaseOwner: not null, LeaseExpiresAt: { } expires } && expires > now)
        {
            return new(RequesterNamingOutcome.Busy, record);
        }

        var expected = record.Version;
        record.RequestedBy = requestedBy;
        record.Version = expected + 1;
        record.UpdatedAt = now;
        try
        {
            await apis.Records.PutAsync(record, expected, cancellationToken);
        }
        catch (RecordConflictException)
        {
            return new(RequesterNamingOutcome.Busy, await apis.Records.GetAsync(instanceId, cancellationToken));
        }

        LogRequesterNamed(logger, instanceId, requestedBy);
        return new(RequesterNamingOutcome.Named, record);
    }

    [LoggerMessage(1060, LogLevel.Information, "The isolation of {InstanceId} was asked for by {RequestedBy} (CloudTrail's CreateTags of the trigger tag); recorded")]
    private static partial void LogRequesterNamed(ILogger logger, string instanceId, string requestedBy);
}
