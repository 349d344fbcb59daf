namespace Ec2Isolation.Core.Ports;

/// <summary>Who is asking, for the record (STS GetCallerIdentity).</summary>
public interface ICallerIdentity
{
    Task<string> GetCallerArnAsync(CancellationToken cancellationToken);
}
